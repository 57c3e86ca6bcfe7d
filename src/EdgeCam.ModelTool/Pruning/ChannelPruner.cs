using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Pruning;

/// <summary>Removes channels of a <see cref="ChannelGroup"/> from the weights (source outputs,
/// depthwise channels, sink inputs) so the layers really shrink.</summary>
public static class ChannelPruner
{
    public static void Prune(GraphProto graph, ChannelGroup group, int[] keep)
    {
        var index = new GraphIndex(graph);
        Slice(graph, index, group.Source, 1, keep, axis: 0);
        Slice(graph, index, group.Source, 2, keep, axis: 0);
        foreach (var dw in group.Depthwise)
        {
            Slice(graph, index, dw, 1, keep, axis: 0);
            Slice(graph, index, dw, 2, keep, axis: 0);
            var g = dw.Attribute.First(a => a.Name == "group");
            g.I = keep.Length;
        }
        foreach (var sink in group.Sinks) Slice(graph, index, sink, 1, keep, axis: ChannelGroup.SinkInputAxis(sink));
        graph.ValueInfo.Clear(); // shapes of the group's tensors changed; ORT infers them again
        Graph.GraphPreparation.RemoveUnusedInitializers(graph);
    }

    /// <summary>Replaces a node's weight input with the kept slices along one axis (0 or 1).</summary>
    private static void Slice(GraphProto graph, GraphIndex index, NodeProto node, int input, int[] keep, int axis)
    {
        if (input >= node.Input.Count || node.Input[input].Length == 0) return;
        var t = index.Initializers[node.Input[input]];
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
        string name = Graph.GraphPreparation.Unique(index, node.Input[input] + "_pruned");
        graph.Initializer.Add(TensorData.Floats(name, result, dims));
        node.Input[input] = name;
    }

    /// <summary>Sets a sink's weights from a solved [Cin, columns] matrix: a 1x1 Conv's [Cout, Cin, 1, 1]
    /// (transposed), or a ConvTranspose's [Cin, Cout, kh, kw] (row by row as solved).</summary>
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
