using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Pruning;

/// <summary>
/// Channels tied together across tensors, so that they can only be removed together. A group is
/// a connected region of tensors linked channel by channel: element-wise activations (ReLU, Clip,
/// HardSigmoid, Sigmoid...), Add/Mul/Sub/Div of two tensors of the region or of a scalar (residual
/// Adds, composed h-swish, squeeze-and-excitation gates), MaxPool/AveragePool/GlobalAveragePool,
/// spatial-only Resize, depthwise Convs, channel Concats (channel k of input i is channel
/// offset(i) + k of the output) and trailing channel pads (a
/// Concat with a ConstantOfShape of zeros, or a Pad of channels at the end: channel k of the
/// padded tensor is channel k of its input, the padded channels are new). The region is bounded
/// by the Convs that produce its tensors (sources: their output channels) and the Convs that read
/// them (sinks: their input channels). Each tied channel gets an id; removing an id removes that
/// channel from every tensor it runs through: from each source's outputs, each depthwise Conv,
/// each sink's inputs, and from the pads (shortened). Anything else touching the region (a
/// Transpose, a Concat along another axis, a graph input or output...) makes the whole group unprunable.
/// </summary>
public sealed class ChannelGroup
{
    /// <summary>Per tensor of the group: the id of each of its channels.</summary>
    public required Dictionary<string, int[]> Ids { get; init; }
    /// <summary>Number of distinct ids.</summary>
    public required int Channels { get; init; }
    public required List<NodeProto> Sources { get; init; }
    public required List<NodeProto> Depthwise { get; init; }
    public required List<NodeProto> Sinks { get; init; }
    public required List<NodeProto> Pads { get; init; }
    /// <summary>Ids born together (at one source Conv or one pad), pruned at one ratio each.</summary>
    public required List<Segment> Segments { get; init; }
    /// <summary>The group's first tensor in graph order: finds the same group again after edits elsewhere.</summary>
    public required string Key { get; init; }

    public sealed record Segment(string Name, int[] Ids);

    /// <summary>True when a channel is written by more than one Conv (not counting the gates of
    /// squeeze-and-excitation blocks, which only scale it) or runs through a pad: a residual
    /// stream, where one removed channel leaves every block it runs through. Channels that a
    /// Concat only gathers from separate Convs are not a stream.</summary>
    public required bool IsStream { get; init; }

    public string Name => Segments.Count == 1 ? Segments[0].Name : $"{Segments[0].Name} (+{Segments.Count - 1} tied stages)";

    /// <summary>The weight axis of a sink that indexes its input channels.</summary>
    public static int SinkInputAxis(NodeProto sink) => sink.OpType == "ConvTranspose" ? 0 : 1;

    /// <summary>Per tensor: the channel indices that stay when the given ids go.</summary>
    public Dictionary<string, int[]> KeptChannels(IReadOnlySet<int> removed) =>
        Ids.ToDictionary(e => e.Key, e => Enumerable.Range(0, e.Value.Length).Where(k => !removed.Contains(e.Value[k])).ToArray());

    private static readonly HashSet<string> Unary = ["Relu", "Clip", "HardSigmoid", "Sigmoid", "HardSwish", "LeakyRelu", "Identity", "MaxPool", "AveragePool", "GlobalAveragePool"];
    private static readonly HashSet<string> Binary = ["Add", "Mul", "Sub", "Div"];

    public static List<ChannelGroup> Find(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        var order = new Dictionary<NodeProto, int>();
        for (int i = 0; i < graph.Node.Count; i++) order[graph.Node[i]] = i;
        var claimed = new HashSet<string>();
        var groups = new List<ChannelGroup>();
        foreach (var source in graph.Node.Where(n => IsSource(n, index)))
        {
            if (claimed.Contains(source.Output[0])) continue;
            var region = Explore(source.Output[0], index, out bool ok);
            claimed.UnionWith(region.Tensors);
            if (ok && region.Sinks.Count > 0 && Build(region, index, order) is { } g) groups.Add(g);
        }
        return groups;
    }

    private sealed class Region
    {
        public readonly HashSet<string> Tensors = [];
        public readonly List<NodeProto> Sources = [], Depthwise = [], Sinks = [], Pads = [], Links = [];
    }

    private static bool IsSource(NodeProto n, GraphIndex index) =>
        n.OpType == "Conv" && GraphIndex.IntAttribute(n, "group", 1) == 1 && n.Input.Count > 1
        && index.Initializers.TryGetValue(n.Input[1], out var w) && w.Dims.Count == 4;

    private static bool IsDepthwise(NodeProto n, GraphIndex index) =>
        n.OpType == "Conv" && n.Input.Count > 1 && index.Initializers.TryGetValue(n.Input[1], out var w) && w.Dims.Count == 4
        && w.Dims[1] == 1 && GraphIndex.IntAttribute(n, "group", 1) == w.Dims[0] && w.Dims[0] > 1;

    private static bool IsSink(NodeProto n, string t, GraphIndex index) =>
        n.Input[0] == t && n.Input.Skip(1).All(i => i.Length == 0 || index.IsInitializer(i))
        && (IsSource(n, index) || n.OpType == "ConvTranspose" && GraphIndex.IntAttribute(n, "group", 1) == 1
            && index.Initializers.TryGetValue(n.Input[1], out var w) && w.Dims.Count == 4);

    /// <summary>The zeros appended to the channels by a trailing pad, or null if the node is not one.</summary>
    public static long? PaddedChannels(NodeProto n, GraphIndex index)
    {
        if (n.OpType == "Concat" && n.Input.Count == 2 && GraphIndex.IntAttribute(n, "axis", 0) == 1
            && index.Producer(n.Input[1]) is { OpType: "ConstantOfShape" } zeros && index.Consumers(n.Input[1]).Count == 1
            && index.Initializers.TryGetValue(zeros.Input[0], out var shape) && shape.Dims.Count == 1 && shape.Dims[0] == 4
            && (zeros.Attribute.FirstOrDefault(a => a.Name == "value") is not { T: { } v } || v.DataType == 1 && TensorData.ReadFloats(v).All(x => x == 0)))
            return TensorData.ReadInt64s(shape)[1];
        if (n.OpType == "Pad" && n.Input.Count >= 2 && (GraphIndex.StringAttribute(n, "mode") ?? "constant") == "constant"
            && index.Initializers.TryGetValue(n.Input[1], out var pads) && pads.Dims.Count == 1 && pads.Dims[0] == 8
            && (n.Input.Count < 3 || n.Input[2].Length == 0 || index.Constant(n.Input[2]) is { DataType: 1 } c && TensorData.ReadFloats(c).All(x => x == 0)))
        {
            long[] p = TensorData.ReadInt64s(pads);
            if (p.Where((_, i) => i != 5).All(x => x == 0) && p[5] > 0) return p[5];
        }
        return null;
    }

    /// <summary>Walks the tied region from a tensor in both directions.</summary>
    private static Region Explore(string start, GraphIndex index, out bool ok)
    {
        var r = new Region();
        HashSet<NodeProto> seen = [], asSource = [], asSink = [];
        var pending = new Queue<string>();
        Add(start);
        ok = true;
        while (pending.Count > 0)
        {
            string t = pending.Dequeue();
            if (index.IsGraphOutput(t)) ok = false;
            var producer = index.Producer(t);
            if (producer is null) ok = false; // a graph input
            else if (IsSource(producer, index)) { if (asSource.Add(producer)) r.Sources.Add(producer); }
            else if (seen.Add(producer) && !Link(producer)) ok = false;
            foreach (var n in index.Consumers(t))
            {
                // A Conv can be both: a sink of the group (its inputs) and a source (its outputs).
                if (IsSink(n, t, index)) { if (asSink.Add(n)) r.Sinks.Add(n); }
                else if (seen.Add(n) && !Link(n)) ok = false;
            }
        }
        return r;

        void Add(string t) { if (r.Tensors.Add(t)) pending.Enqueue(t); }

        // A node that ties its input channels to its output channels.
        bool Link(NodeProto n)
        {
            if (IsDepthwise(n, index) && n.Input.Skip(1).All(index.IsInitializer)) { r.Depthwise.Add(n); Add(n.Input[0]); Add(n.Output[0]); return true; }
            if (Unary.Contains(n.OpType) && n.Output.Count(o => o.Length > 0) == 1 && n.Input.Skip(1).All(i => i.Length == 0 || IsScalar(index, i)))
            { r.Links.Add(n); Add(n.Input[0]); Add(n.Output[0]); return true; }
            if (Binary.Contains(n.OpType) && n.Input.Count == 2)
            {
                r.Links.Add(n);
                foreach (string i in n.Input) if (!IsScalar(index, i)) Add(i);
                Add(n.Output[0]);
                return true;
            }
            if (PaddedChannels(n, index) is not null) { r.Pads.Add(n); Add(n.Input[0]); Add(n.Output[0]); return true; }
            if (IsChannelConcat(n, index) || IsSpatialResize(n, index))
            {
                r.Links.Add(n);
                foreach (string i in n.OpType == "Concat" ? n.Input : n.Input.Take(1)) Add(i);
                Add(n.Output[0]);
                return true;
            }
            return false;
        }
    }

    /// <summary>Channel counts, ties (union-find over every channel of every tensor) and segments.</summary>
    private static ChannelGroup? Build(Region r, GraphIndex index, Dictionary<NodeProto, int> order)
    {
        var counts = new Dictionary<string, int>();
        var tensors = r.Tensors.OrderBy(t => index.Producer(t) is { } p ? order[p] : -1).ToList();
        // Counts follow producers; everything in the region is produced inside it or by a source.
        foreach (string t in tensors) if (Count(t, 0) < 0) return null;
        var offset = new Dictionary<string, int>();
        int slots = 0;
        foreach (string t in tensors) { offset[t] = slots; slots += counts[t]; }
        var parent = Enumerable.Range(0, slots).ToArray();

        foreach (var n in r.Depthwise.Concat(r.Links).Concat(r.Pads))
        {
            string o = n.Output[0];
            if (n.OpType == "Concat" && !r.Pads.Contains(n))
            {
                int at = 0;
                foreach (string i in n.Input)
                {
                    for (int k = 0; k < counts[i]; k++) Union(offset[i] + k, offset[o] + at + k);
                    at += counts[i];
                }
                continue;
            }
            foreach (string i in n.Input.Where(r.Tensors.Contains))
            {
                int shared = n.OpType is "Concat" or "Pad" ? counts[i] : counts[o];
                if (n.OpType is not ("Concat" or "Pad") && counts[i] != counts[o]) return null; // broadcasting over channels
                for (int k = 0; k < shared; k++) Union(offset[i] + k, offset[o] + k);
            }
        }

        var idOfRoot = new Dictionary<int, int>();
        var ids = new Dictionary<string, int[]>();
        foreach (string t in tensors)
            ids[t] = Enumerable.Range(0, counts[t]).Select(k =>
            {
                int root = Find(offset[t] + k);
                if (!idOfRoot.TryGetValue(root, out int id)) idOfRoot[root] = id = idOfRoot.Count;
                return id;
            }).ToArray();

        // An id is born at the first node (in graph order) that creates it: a source's outputs or a pad's zeros.
        var birth = new NodeProto?[idOfRoot.Count];
        foreach (var n in r.Sources.Concat(r.Pads).OrderBy(n => order[n]))
        {
            int from = n.OpType is "Concat" or "Pad" ? counts[n.Input[0]] : 0;
            foreach (int id in ids[n.Output[0]].Skip(from)) birth[id] ??= n;
        }
        if (birth.Any(b => b is null)) return null;
        var segments = birth.Select((b, id) => (b, id)).GroupBy(x => x.b!).OrderBy(g => order[g.Key])
            .Select(g => new Segment(g.Key.Name.Length > 0 ? g.Key.Name : g.Key.Output[0], g.Select(x => x.id).ToArray())).ToList();
        // Writers per id: the Convs whose outputs hold it, gates aside.
        var writers = new int[idOfRoot.Count];
        foreach (var source in r.Sources.Where(s => !IsGate(s, index)))
            foreach (int id in ids[source.Output[0]]) writers[id]++;
        return new ChannelGroup
        {
            Ids = ids, Channels = idOfRoot.Count, Sources = r.Sources, Depthwise = r.Depthwise, Sinks = r.Sinks.OrderBy(n => order[n]).ToList(),
            Pads = r.Pads, Segments = segments, Key = tensors[0], IsStream = r.Pads.Count > 0 || writers.Any(w => w > 1),
        };

        int Count(string t, int depth)
        {
            if (counts.TryGetValue(t, out int c)) return c;
            if (depth > 10_000 || index.Producer(t) is not { } p) return -1;
            if (IsSource(p, index) || IsDepthwise(p, index)) c = (int)index.Initializers[p.Input[1]].Dims[0];
            else if (PaddedChannels(p, index) is { } padded) c = Count(p.Input[0], depth + 1) is var i && i < 0 ? -1 : i + (int)padded;
            else if (p.OpType == "Concat") c = p.Input.Select(i => Count(i, depth + 1)).Aggregate(0, (a, b) => a < 0 || b < 0 ? -1 : a + b);
            else c = Count(p.Input.First(i => !IsScalar(index, i)), depth + 1);
            counts[t] = c;
            return c;
        }

        int Find(int x) { while (parent[x] != x) x = parent[x] = parent[parent[x]]; return x; }
        void Union(int a, int b) { a = Find(a); b = Find(b); if (a != b) parent[Math.Max(a, b)] = Math.Min(a, b); }
    }

    /// <summary>A Concat of activations along the channel axis (not a pad of zeros).</summary>
    private static bool IsChannelConcat(NodeProto n, GraphIndex index) =>
        n.OpType == "Concat" && GraphIndex.IntAttribute(n, "axis", 0) == 1 && n.Input.Count >= 2
        && n.Input.All(i => i.Length > 0 && index.Constant(i) is null && index.Producer(i) is not { OpType: "ConstantOfShape" });

    /// <summary>A Resize by constant scales that leave batch and channels alone (an upsampling in a
    /// feature pyramid); one given output sizes would fix the channel count, so it is not a link.</summary>
    private static bool IsSpatialResize(NodeProto n, GraphIndex index)
    {
        if (n.OpType != "Resize" || n.Input.Count < 3 || n.Input.Count > 3 && n.Input[3].Length > 0) return false;
        if (n.Input.Skip(1).Any(i => i.Length > 0 && index.Constant(i) is null)) return false;
        return index.Constant(n.Input[2]) is { DataType: 1 } scales && TensorData.ReadFloats(scales) is { Length: 4 } s && s[0] == 1 && s[1] == 1;
    }

    /// <summary>The expanding Conv of a squeeze-and-excitation block: its output only passes a
    /// sigmoid into a Mul, scaling channels that another Conv wrote.</summary>
    private static bool IsGate(NodeProto source, GraphIndex index) =>
        index.Consumers(source.Output[0]) is [{ OpType: "Sigmoid" or "HardSigmoid" } gate] && !index.IsGraphOutput(source.Output[0])
        && index.Consumers(gate.Output[0]) is { Count: > 0 } users && users.All(u => u.OpType == "Mul");

    private static bool IsScalar(GraphIndex index, string value) =>
        index.Constant(value) is { } c && TensorData.ElementCount(c) == 1;
}
