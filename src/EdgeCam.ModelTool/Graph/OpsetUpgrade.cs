using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Graph;

/// <summary>
/// Raises a model's default-domain opset to 13 (the first with per-axis QuantizeLinear /
/// DequantizeLinear) when every operator in it means the same at 13, converting the few whose
/// attributes became inputs (Clip before 11, Slice before 10). Anything else leaves the model as
/// it is and returns false.
/// </summary>
public static class OpsetUpgrade
{
    public const long Target = 13;

    // Operators whose behaviour (for the attributes and inputs valid at the given opset and up) is
    // the same at opset 13. Value: the lowest opset from which that holds.
    private static readonly Dictionary<string, long> SameAt13 = new()
    {
        ["Conv"] = 1, ["ConvTranspose"] = 1, ["Relu"] = 1, ["Add"] = 7, ["Mul"] = 7, ["Sub"] = 7, ["Div"] = 7,
        ["Concat"] = 4, ["ConstantOfShape"] = 9, ["Transpose"] = 1, ["Reshape"] = 5, ["MaxPool"] = 8,
        ["AveragePool"] = 7, ["GlobalAveragePool"] = 1, ["HardSigmoid"] = 6, ["Sigmoid"] = 6, ["BatchNormalization"] = 9,
        ["Constant"] = 9, ["MatMul"] = 9, ["Gemm"] = 11, ["Cast"] = 9, ["Shape"] = 1, ["Flatten"] = 9, ["Resize"] = 11,
        ["Identity"] = 1, ["LeakyRelu"] = 6, ["PRelu"] = 9, ["Pad"] = 11, ["Tanh"] = 6, ["Exp"] = 6, ["Sqrt"] = 6,
        ["Clip"] = 11, ["Slice"] = 10, ["Softmax"] = 13, ["Gather"] = 11, ["Floor"] = 6, ["Pow"] = 7, ["Neg"] = 6,
        ["HardSwish"] = 14, // not before 14: listed so an opset-14+ model is accepted as it is
    };

    public static bool TryUpgrade(ModelProto model)
    {
        long opset = OnnxFile.Opset(model);
        if (opset >= Target) return true;
        var graph = model.Graph;
        if (graph.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))) return false;
        foreach (var n in graph.Node.Where(n => n.Domain is "" or "ai.onnx"))
        {
            bool convertible = n.OpType switch
            {
                "Clip" => true,
                "Slice" => true,
                "Softmax" => SoftmaxOverLastAxis(n, graph),
                _ => false,
            };
            if (!convertible && !(SameAt13.TryGetValue(n.OpType, out long from) && opset >= from)) return false;
        }
        var index = new GraphIndex(graph);
        foreach (var n in graph.Node.ToList())
        {
            if (n.OpType == "Clip" && opset < 11) AttributesToInputs(graph, index, n, [("min", false), ("max", false)]);
            if (n.OpType == "Slice" && opset < 10) AttributesToInputs(graph, index, n, [("starts", true), ("ends", true), ("axes", true)]);
        }
        model.OpsetImport.First(o => o.Domain is "" or "ai.onnx").Version = Target;
        return true;
    }

    /// <summary>Before 13 Softmax flattened to 2-D at its axis; that equals 13's Softmax when the axis is the last one.</summary>
    private static bool SoftmaxOverLastAxis(NodeProto n, GraphProto graph)
    {
        long axis = GraphIndex.IntAttribute(n, "axis", 1);
        var info = graph.Output.Concat(graph.ValueInfo).FirstOrDefault(v => v.Name == n.Output[0]);
        int rank = info?.Type?.TensorType?.Shape?.Dim.Count ?? -1;
        return rank > 0 && (axis == rank - 1 || axis == -1);
    }

    private static void AttributesToInputs(GraphProto graph, GraphIndex index, NodeProto n, (string Name, bool Ints)[] attributes)
    {
        var inputs = new List<string> { n.Input[0] };
        foreach (var (name, ints) in attributes)
        {
            var a = n.Attribute.FirstOrDefault(x => x.Name == name);
            if (a is null) { inputs.Add(""); continue; }
            string value = GraphPreparation.Unique(index, $"{(n.Name.Length > 0 ? n.Name : n.Output[0])}_{name}");
            graph.Initializer.Add(ints ? TensorData.Int64s(value, a.Ints.ToArray(), a.Ints.Count) : TensorData.Floats(value, [a.F]));
            n.Attribute.Remove(a);
            inputs.Add(value);
        }
        while (inputs.Count > 1 && inputs[^1].Length == 0) inputs.RemoveAt(inputs.Count - 1);
        n.Input.Clear();
        n.Input.AddRange(inputs);
    }
}
