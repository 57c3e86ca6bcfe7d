using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;
using Google.Protobuf;

namespace EdgeCam.ModelTool.Graph;

/// <summary>
/// Removes bytes from a model that say nothing ONNX Runtime would not assume: attributes spelled
/// out with their default value, and copies of the same scalar constant (the zero points and
/// scales that many Q/DQ pairs share). The model computes exactly what it did.
/// </summary>
public static class GraphSlimming
{
    /// <summary>Conv/ConvTranspose/pooling attributes equal to the ONNX default: dilations and
    /// strides of 1, group 1, zero pads, auto_pad NOTSET, and a kernel_shape that only repeats the
    /// weight's spatial dimensions (the spec infers it from W).</summary>
    public static int DropDefaultAttributes(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        int dropped = 0;
        foreach (var n in graph.Node.Where(n => n.OpType is "Conv" or "ConvTranspose" or "MaxPool" or "AveragePool"))
        {
            foreach (var a in n.Attribute.ToList())
            {
                bool isDefault = a.Name switch
                {
                    "dilations" or "strides" => a.Ints.All(v => v == 1),
                    "pads" => a.Ints.All(v => v == 0),
                    "group" => a.I == 1,
                    "auto_pad" => a.S.ToStringUtf8() == "NOTSET",
                    "kernel_shape" => n.OpType is "Conv" or "ConvTranspose" && WeightDims(index, n) is { } w
                        && w.Length == a.Ints.Count + 2 && a.Ints.SequenceEqual(w.Skip(2)),
                    _ => false,
                };
                if (!isDefault) continue;
                n.Attribute.Remove(a);
                dropped++;
            }
        }
        return dropped;
    }

    /// <summary>One initializer for each distinct scalar (type and bytes): the Q/DQ pairs of
    /// ReLU outputs, for instance, all share the zero point 0.</summary>
    public static int ShareScalarConstants(GraphProto graph)
    {
        var graphInputs = graph.Input.Select(i => i.Name).ToHashSet();
        var first = new Dictionary<ByteString, string>(); // ByteString compares by content
        var rename = new Dictionary<string, string>();
        foreach (var t in graph.Initializer)
        {
            if (t.Dims.Count != 0 || graphInputs.Contains(t.Name) || t.DataLocation == TensorProto.Types.DataLocation.External) continue;
            var key = Content(t);
            if (first.TryGetValue(key, out string? kept)) rename[t.Name] = kept;
            else first[key] = t.Name;
        }
        if (rename.Count == 0) return 0;
        foreach (var n in graph.Node)
            for (int i = 0; i < n.Input.Count; i++)
                if (rename.TryGetValue(n.Input[i], out string? kept)) n.Input[i] = kept;
        for (int i = graph.Initializer.Count - 1; i >= 0; i--)
            if (rename.ContainsKey(graph.Initializer[i].Name)) graph.Initializer.RemoveAt(i);
        return rename.Count;
    }

    /// <summary>The tensor's serialised type, shape and value, without its name.</summary>
    private static ByteString Content(TensorProto t)
    {
        var copy = t.Clone();
        copy.ClearName();
        copy.ClearDocString();
        return copy.ToByteString();
    }

    private static long[]? WeightDims(GraphIndex index, NodeProto conv)
    {
        if (conv.Input.Count < 2) return null;
        if (index.Initializers.TryGetValue(conv.Input[1], out var w)) return w.Dims.ToArray();
        // A quantised weight: DequantizeLinear of an int8 initializer.
        if (index.Producer(conv.Input[1]) is { OpType: "DequantizeLinear" } dq && index.Initializers.TryGetValue(dq.Input[0], out var q)) return q.Dims.ToArray();
        return null;
    }
}
