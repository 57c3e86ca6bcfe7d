using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Pruning;

/// <summary>Removes channels of a <see cref="ChannelGroup"/> from the weights (source outputs,
/// depthwise channels, sink inputs) and from its pads, so the layers really shrink.</summary>
public static class ChannelPruner
{
    /// <returns>Per tensor of the group: the channel indices (before pruning) that stayed.</returns>
    public static Dictionary<string, int[]> Prune(GraphProto graph, ChannelGroup group, IReadOnlySet<int> removed)
    {
        var keep = group.KeptChannels(removed);
        var index = new GraphIndex(graph);
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var source in group.Sources)
        {
            Slice(graph, index, initializers, source, 1, keep[source.Output[0]], axis: 0);
            Slice(graph, index, initializers, source, 2, keep[source.Output[0]], axis: 0);
        }
        foreach (var dw in group.Depthwise)
        {
            int[] k = keep[dw.Output[0]];
            Slice(graph, index, initializers, dw, 1, k, axis: 0);
            Slice(graph, index, initializers, dw, 2, k, axis: 0);
            dw.Attribute.First(a => a.Name == "group").I = k.Length;
        }
        foreach (var sink in group.Sinks) Slice(graph, index, initializers, sink, 1, keep[sink.Input[0]], axis: ChannelGroup.SinkInputAxis(sink));
        foreach (var pad in group.Pads)
        {
            int before = group.Ids[pad.Input[0]].Length;
            long padded = keep[pad.Output[0]].Count(k => k >= before);
            // Every segment keeps a channel, so a pad never shrinks to nothing.
            if (padded == 0) throw new InvalidOperationException($"{pad.Name}: pruning would remove every padded channel");
            if (pad.OpType == "Concat")
            {
                var zeros = index.Producer(pad.Input[1])!;
                long[] shape = TensorData.ReadInt64s(initializers[zeros.Input[0]]);
                shape[1] = padded;
                zeros.Input[0] = AddInitializer(graph, index, initializers, TensorData.Int64s(zeros.Input[0] + "_pruned", shape, 4));
            }
            else
            {
                long[] pads = TensorData.ReadInt64s(initializers[pad.Input[1]]);
                pads[5] = padded;
                pad.Input[1] = AddInitializer(graph, index, initializers, TensorData.Int64s(pad.Input[1] + "_pruned", pads, 8));
            }
        }
        graph.ValueInfo.Clear(); // shapes of the group's tensors changed; ORT infers them again
        Graph.GraphPreparation.RemoveUnusedInitializers(graph);
        return keep;
    }

    /// <summary>Replaces a node's weight input with the kept slices along one axis (0 or 1).</summary>
    private static void Slice(GraphProto graph, GraphIndex index, Dictionary<string, TensorProto> initializers, NodeProto node, int input, int[] keep, int axis)
    {
        if (input >= node.Input.Count || node.Input[input].Length == 0) return;
        var t = initializers[node.Input[input]];
        float[] values = TensorData.ReadFloats(t);
        long[] dims = t.Dims.ToArray();
        long inner = dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        long outer = dims.Take(axis).Aggregate(1L, (a, b) => a * b);
        long along = dims[axis];
        var result = new float[outer * keep.Length * inner];
        long at = 0;
        for (long o = 0; o < outer; o++)
            foreach (int k in keep)
            {
                Array.Copy(values, (o * along + k) * inner, result, at, inner);
                at += inner;
            }
        dims[axis] = keep.Length;
        node.Input[input] = AddInitializer(graph, index, initializers, TensorData.Floats(node.Input[input] + "_pruned", result, dims));
    }

    private static string AddInitializer(GraphProto graph, GraphIndex index, Dictionary<string, TensorProto> initializers, TensorProto t)
    {
        string name = t.Name;
        for (int i = 1; initializers.ContainsKey(name) || index.Producer(name) is not null; i++) name = $"{t.Name}_{i}";
        t.Name = name;
        graph.Initializer.Add(t);
        initializers[name] = t;
        return name;
    }

    public static void SetBias(GraphProto graph, NodeProto conv, float[] bias)
    {
        var index = new GraphIndex(graph);
        string name = Graph.GraphPreparation.Unique(index, (conv.Input.Count > 2 && conv.Input[2].Length > 0 ? conv.Input[2] : conv.Output[0] + "_bias") + "_refit");
        graph.Initializer.Add(TensorData.Floats(name, bias, bias.Length));
        if (conv.Input.Count > 2) conv.Input[2] = name; else conv.Input.Add(name);
        Graph.GraphPreparation.RemoveUnusedInitializers(graph);
    }

    /// <summary>Sets a sink's weights from a solved [features, columns] matrix: a Conv's [Cout, Cin, kh, kw]
    /// (transposed; its features are Cin x kh x kw in weight order), or a ConvTranspose's
    /// [Cin, Cout, kh, kw] (row by row as solved).</summary>
    public static void SetSinkWeights(GraphProto graph, NodeProto sink, double[] solved, int inChannels, int columns, bool transposed)
    {
        var index = new GraphIndex(graph);
        var t = index.Initializers[sink.Input[1]];
        var values = new float[columns * inChannels];
        for (int c = 0; c < inChannels; c++)
            for (int col = 0; col < columns; col++)
                values[transposed ? c * columns + col : col * inChannels + c] = (float)solved[c * columns + col];
        string name = Graph.GraphPreparation.Unique(index, sink.Input[1] + "_refit");
        graph.Initializer.Add(TensorData.Floats(name, values, t.Dims.ToArray()));
        sink.Input[1] = name;
        Graph.GraphPreparation.RemoveUnusedInitializers(graph);
    }
}
