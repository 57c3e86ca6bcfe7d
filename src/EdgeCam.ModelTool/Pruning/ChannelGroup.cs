using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Pruning;

/// <summary>
/// The output channels of one Conv (the source, group 1) together with everything they flow
/// through channel by channel: element-wise activations (ReLU, Clip, HardSigmoid, Sigmoid, and
/// Add/Mul/Sub/Div of tensors in the group or of scalars, so composed h-swish counts), depthwise
/// Convs (whose channels follow), up to the Convs that read them (sinks, group 1). Removing
/// channel c of the source removes channel c everywhere in the group and input channel c of
/// every sink. Anything else reading a tensor of the group (a Concat, a residual Add, a graph
/// output, a squeeze-excite pool) makes the group unprunable.
/// </summary>
public sealed class ChannelGroup
{
    public required NodeProto Source { get; init; }
    public required int Channels { get; init; }
    public required List<NodeProto> Depthwise { get; init; }
    public required List<NodeProto> Sinks { get; init; }
    public required HashSet<string> Tensors { get; init; }
    /// <summary>The weight axis of a sink that indexes its input channels.</summary>
    public static int SinkInputAxis(NodeProto sink) => sink.OpType == "ConvTranspose" ? 0 : 1;

    public string Name => Source.Name.Length > 0 ? Source.Name : Source.Output[0];

    private static readonly HashSet<string> Unary = ["Relu", "Clip", "HardSigmoid", "Sigmoid", "HardSwish", "LeakyRelu", "Identity"];
    private static readonly HashSet<string> Binary = ["Add", "Mul", "Sub", "Div"];

    public static List<ChannelGroup> Find(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        var groups = new List<ChannelGroup>();
        foreach (var source in graph.Node.Where(n => n.OpType == "Conv" && GraphIndex.IntAttribute(n, "group", 1) == 1
                     && index.Initializers.TryGetValue(n.Input[1], out var w) && w.Dims.Count == 4))
        {
            int channels = (int)index.Initializers[source.Input[1]].Dims[0];
            if (TryGrow(source, channels, index) is { } g) groups.Add(g);
        }
        return groups;
    }

    private static ChannelGroup? TryGrow(NodeProto source, int channels, GraphIndex index)
    {
        var tensors = new HashSet<string> { source.Output[0] };
        var depthwise = new List<NodeProto>();
        var sinks = new List<NodeProto>();
        var visited = new HashSet<NodeProto>();
        var pending = new Queue<string>(tensors);
        while (pending.Count > 0)
        {
            string t = pending.Dequeue();
            if (index.IsGraphOutput(t)) return null;
            foreach (var n in index.Consumers(t))
            {
                if (!visited.Add(n)) continue;
                if (n.OpType == "Conv" && n.Input[0] == t && index.Initializers.TryGetValue(n.Input[1], out var w) && w.Dims.Count == 4
                    && n.Input.Skip(1).All(i => !tensors.Contains(i)))
                {
                    long group = GraphIndex.IntAttribute(n, "group", 1);
                    if (group == 1 && w.Dims[1] == channels) { sinks.Add(n); continue; }
                    if (group == channels && w.Dims[0] == channels && w.Dims[1] == 1) { depthwise.Add(n); Add(n.Output[0]); continue; }
                    return null;
                }
                if (n.OpType == "ConvTranspose" && n.Input[0] == t && GraphIndex.IntAttribute(n, "group", 1) == 1
                    && index.Initializers.TryGetValue(n.Input[1], out var wt) && wt.Dims.Count == 4 && wt.Dims[0] == channels)
                {
                    sinks.Add(n); // ConvTranspose weights are [Cin, Cout, k, k]: its input channels are axis 0
                    continue;
                }
                if (Unary.Contains(n.OpType) && n.Input[0] == t && n.Input.Skip(1).All(i => i.Length == 0 || IsScalar(index, i))) { Add(n.Output[0]); continue; }
                if (Binary.Contains(n.OpType) && n.Input.Count == 2)
                {
                    // Every other operand must be in the group already or reachable into it, or a scalar.
                    string other = n.Input[0] == t ? n.Input[1] : n.Input[0];
                    if (IsScalar(index, other) || tensors.Contains(other) || ReachedLater(other, tensors, index)) { Add(n.Output[0]); continue; }
                    return null;
                }
                return null;
            }
        }
        if (sinks.Count == 0) return null;
        return new ChannelGroup { Source = source, Channels = channels, Depthwise = depthwise, Sinks = sinks, Tensors = tensors };

        void Add(string t) { if (tensors.Add(t)) pending.Enqueue(t); }
    }

    /// <summary>True when <paramref name="value"/> is computed from the source only through
    /// element-wise ops from a tensor already in the group (h-swish's x * relu6(x + 3) reads x twice).</summary>
    private static bool ReachedLater(string value, HashSet<string> group, GraphIndex index)
    {
        for (int depth = 0; depth < 8; depth++)
        {
            if (group.Contains(value)) return true;
            var p = index.Producer(value);
            if (p is null || !(Unary.Contains(p.OpType) || Binary.Contains(p.OpType))) return false;
            var next = p.Input.Where(i => i.Length > 0 && !IsScalar(index, i)).ToList();
            if (next.Count != 1) return next.Count == 2 && next.All(i => ReachedLater(i, group, index));
            value = next[0];
        }
        return false;
    }

    private static bool IsScalar(GraphIndex index, string value) =>
        index.Constant(value) is { } c && TensorData.ElementCount(c) == 1;
}
