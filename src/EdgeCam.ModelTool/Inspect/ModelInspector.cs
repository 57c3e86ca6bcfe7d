using EdgeCam.ModelTool.Release;
using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;
using DataType = EdgeCam.ModelTool.Onnx.Proto.TensorProto.Types.DataType;

namespace EdgeCam.ModelTool.Inspect;

/// <summary>
/// Reads a model's structure from its ONNX file, and its layer shapes (for MACs) by running it
/// once on a zero input with ONNX Runtime.
/// </summary>
public static class ModelInspector
{
    private static readonly HashSet<string> WeightedOps = ["Conv", "ConvTranspose", "Gemm", "MatMul"];

    /// <param name="inputShape">Shape to run with when the model's input has symbolic dimensions
    /// (null: the model's own; symbolic batch becomes 1; symbolic spatial dimensions skip MACs).</param>
    public static InspectReport Inspect(string path, long[]? inputShape)
    {
        var model = OnnxFile.Load(path);
        var graph = model.Graph;
        var index = new GraphIndex(graph);
        var initNames = index.Initializers.Keys.ToHashSet();

        var ops = graph.Node.GroupBy(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}")
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());
        // Exporters keep weights as initializers or as Constant nodes (paddle2onnx does the latter).
        var constants = graph.Initializer.Concat(graph.Node.Where(n => n.OpType == "Constant")
            .Select(n => n.Attribute.FirstOrDefault(a => a.Name == "value")?.T).OfType<TensorProto>()).ToList();
        long parameters = constants.Sum(TensorData.ElementCount);
        long parameterBytes = constants.Sum(TensorData.ByteSize);

        var shapes = MeasureShapes(model, path, inputShape, out long[]? usedShape);
        var layers = new List<LayerReport>();
        long weightCount = 0, weightZeros = 0;
        foreach (var node in graph.Node.Where(n => WeightedOps.Contains(n.OpType)))
        {
            var weight = node.Input.Count > 1 ? WeightOf(index, node.Input[1]) : null;
            long count = weight is null ? 0 : TensorData.ElementCount(weight);
            long zeros = weight is null ? 0 : TensorData.CountZeros(weight);
            weightCount += count; weightZeros += zeros;
            long[]? outShape = shapes?.GetValueOrDefault(node.Output[0]);
            long[]? inShape = shapes?.GetValueOrDefault(node.Input[0]);
            long? macs = Macs(node, weight, inShape, outShape, shapes, index);
            layers.Add(new LayerReport(node.Name.Length > 0 ? node.Name : node.Output[0], node.OpType,
                weight is null ? "-" : Shape(weight.Dims), outShape is null ? null : Shape(outShape), macs,
                count == 0 ? 0 : zeros / (double)count));
        }

        return new InspectReport
        {
            Path = path,
            FileBytes = new FileInfo(path).Length,
            IrVersion = model.IrVersion,
            Producer = $"{model.ProducerName} {model.ProducerVersion}".Trim(),
            Opsets = model.OpsetImport.ToDictionary(o => o.Domain is "" ? "ai.onnx" : o.Domain, o => o.Version),
            Inputs = graph.Input.Where(i => !initNames.Contains(i.Name)).Select(Describe).ToList(),
            Outputs = graph.Output.Select(Describe).ToList(),
            Operators = ops,
            Parameters = parameters,
            ParameterBytes = parameterBytes,
            WeightSparsity = weightCount == 0 ? 0 : weightZeros / (double)weightCount,
            Quantization = Quantization(graph, index),
            MeasuredWithInput = usedShape,
            Layers = layers,
            TotalMacs = layers.Count > 0 && layers.All(l => l.Macs is not null) ? layers.Sum(l => l.Macs!.Value) : null,
        };
    }

    /// <summary>The weight initializer of a layer input, through a DequantizeLinear if quantised.</summary>
    private static TensorProto? WeightOf(GraphIndex index, string value)
    {
        if (index.Constant(value) is { } t) return t;
        if (index.Producer(value) is { OpType: "DequantizeLinear" } dq) return index.Constant(dq.Input[0]);
        return null;
    }

    private static long? Macs(NodeProto node, TensorProto? weight, long[]? inShape, long[]? outShape,
        Dictionary<string, long[]>? shapes, GraphIndex index)
    {
        if (outShape is null) return null;
        long outElements = outShape.Aggregate(1L, (a, b) => a * b);
        switch (node.OpType)
        {
            case "Conv" when weight is { Dims.Count: >= 3 }:
                // Each output element: (Cin / group) * kernel taps multiply-accumulates.
                return outElements * weight.Dims.Skip(1).Aggregate(1L, (a, b) => a * b);
            case "ConvTranspose" when weight is { Dims.Count: >= 3 } && inShape is not null:
                // Each input element scatters into (Cout / group) * kernel taps outputs.
                return inShape.Aggregate(1L, (a, b) => a * b) * weight.Dims.Skip(1).Aggregate(1L, (a, b) => a * b);
            case "Gemm" when inShape is { Length: 2 }:
                long k = GraphIndex.IntAttribute(node, "transA", 0) == 1 ? inShape[0] : inShape[1];
                return outElements * k;
            case "MatMul" when inShape is { Length: >= 1 }:
                return outElements * inShape[^1];
            default:
                return null;
        }
    }

    /// <summary>The multiply-accumulates of Conv/Gemm/MatMul layers of a model in memory at the
    /// given input shape; null when a layer's cannot be measured.</summary>
    public static long? TotalMacs(ModelProto model, string origin, long[] inputShape)
    {
        var index = new GraphIndex(model.Graph);
        var shapes = MeasureShapes(model, origin, inputShape, out _);
        long total = 0;
        foreach (var node in model.Graph.Node.Where(n => WeightedOps.Contains(n.OpType)))
        {
            var weight = node.Input.Count > 1 ? WeightOf(index, node.Input[1]) : null;
            if (Macs(node, weight, shapes?.GetValueOrDefault(node.Input[0]), shapes?.GetValueOrDefault(node.Output[0]), shapes, index) is not { } macs) return null;
            total += macs;
        }
        return total;
    }

    private static Dictionary<string, long[]>? MeasureShapes(ModelProto model, string path, long[]? requested, out long[]? used)
    {
        used = null;
        var initNames = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var inputs = model.Graph.Input.Where(i => !initNames.Contains(i.Name)).ToList();
        if (inputs.Count != 1) return null;
        var input = inputs[0];
        var declared = input.Type?.TensorType?.Shape?.Dim.Select(d => d.HasDimValue ? d.DimValue : -1).ToArray() ?? [];
        long[] shape;
        if (requested is not null)
        {
            if (requested.Length != declared.Length || requested.Where((d, i) => declared[i] >= 0 && declared[i] != d).Any())
                throw new ToolException($"--input-shape {Shape(requested)} does not fit input '{input.Name}' {Shape(declared)}");
            shape = requested;
        }
        else
        {
            // A symbolic batch is run as 1; other symbolic dimensions need --input-shape.
            if (declared.Skip(1).Any(d => d < 0)) return null;
            shape = declared.Select(d => d < 0 ? 1 : d).ToArray();
        }
        var watched = model.Graph.Node.Where(n => WeightedOps.Contains(n.OpType)).SelectMany(n => new[] { n.Input[0], n.Output[0] });
        using var probe = new ActivationProbe(model, watched, new Dictionary<string, long[]> { [input.Name] = shape }, path);
        probe.Runner.Input(input.Name).Bytes.Clear();
        probe.Runner.Run();
        var shapes = new Dictionary<string, long[]>();
        for (int i = 0; i < probe.Runner.Count; i++) shapes[probe.Runner.NameOf(i)] = probe.Runner.ShapeOf(i).ToArray();
        shapes[input.Name] = shape;
        used = shape;
        return shapes;
    }

    private static QuantizationReport Quantization(GraphProto graph, GraphIndex index)
    {
        int q = graph.Node.Count(n => n.OpType == "QuantizeLinear"), dq = graph.Node.Count(n => n.OpType == "DequantizeLinear");
        int integer = graph.Node.Count(n => n.OpType.StartsWith("QLinear", StringComparison.Ordinal) || n.OpType is "ConvInteger" or "MatMulInteger" or "DynamicQuantizeLinear");
        string format = (q + dq > 0, integer > 0) switch
        {
            (true, true) => "QDQ + QOperator",
            (true, false) => "QDQ",
            (false, true) => "QOperator",
            _ => "float",
        };
        string? weights = null, activations = null;
        var weightDq = graph.Node.Where(n => n.OpType == "DequantizeLinear" && index.IsInitializer(n.Input[0])).ToList();
        if (weightDq.Count > 0)
        {
            var kinds = weightDq.Select(n =>
            {
                var w = index.Initializers[n.Input[0]];
                var scale = index.Constant(n.Input[1]);
                bool perChannel = scale is not null && TensorData.ElementCount(scale) > 1;
                bool symmetric = n.Input.Count < 3 || index.Constant(n.Input[2]) is not { } zp || TensorData.CountZeros(zp) == TensorData.ElementCount(zp);
                return $"{TensorData.Name(w.DataType)} {(perChannel ? "per-channel" : "per-tensor")}{(symmetric ? " symmetric" : "")}";
            }).GroupBy(k => k).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ({g.Count()})");
            weights = string.Join(", ", kinds);
        }
        var actTypes = graph.Node.Where(n => n.OpType == "QuantizeLinear" && n.Input.Count > 2 && index.Constant(n.Input[2]) is not null)
            .Select(n => TensorData.Name(index.Constant(n.Input[2])!.DataType)).Distinct().ToList();
        if (actTypes.Count > 0) activations = string.Join(", ", actTypes);
        return new QuantizationReport(format, q, dq, integer, weights, activations);
    }

    private static ValueReport Describe(ValueInfoProto v)
    {
        var tensor = v.Type?.TensorType;
        string type = tensor is null ? "?" : TensorData.Name(tensor.ElemType);
        string shape = tensor?.Shape is null ? "?" : "[" + string.Join(",", tensor.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString() : d.HasDimParam ? d.DimParam : "?")) + "]";
        return new ValueReport(v.Name, type, shape);
    }

    public static string Shape(IEnumerable<long> dims) => "[" + string.Join(",", dims) + "]";
}
