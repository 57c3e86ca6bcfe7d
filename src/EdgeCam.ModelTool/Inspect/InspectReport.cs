namespace EdgeCam.ModelTool.Inspect;

/// <summary>What `edgecam-model inspect` finds in a model (printed as a table or JSON).</summary>
public sealed record InspectReport
{
    public required string Path { get; init; }
    public required long FileBytes { get; init; }
    public required long IrVersion { get; init; }
    public required string Producer { get; init; }
    public required IReadOnlyDictionary<string, long> Opsets { get; init; }
    public required IReadOnlyList<ValueReport> Inputs { get; init; }
    public required IReadOnlyList<ValueReport> Outputs { get; init; }
    public required IReadOnlyDictionary<string, int> Operators { get; init; }
    public required long Parameters { get; init; }
    public required long ParameterBytes { get; init; }
    /// <summary>Share of exact zeros among the weights of Conv/ConvTranspose/Gemm/MatMul layers.</summary>
    public required double WeightSparsity { get; init; }
    public required QuantizationReport Quantization { get; init; }
    /// <summary>The input shape the layer shapes and MACs were measured with (null: not measured).</summary>
    public long[]? MeasuredWithInput { get; init; }
    public required IReadOnlyList<LayerReport> Layers { get; init; }
    public long? TotalMacs { get; init; }
}

public sealed record ValueReport(string Name, string ElementType, string Shape);

public sealed record LayerReport(string Name, string Op, string WeightShape, string? OutputShape, long? Macs, double WeightSparsity);

/// <summary>Whether and how the model is quantised.</summary>
public sealed record QuantizationReport(
    string Format,                 // "float", "QDQ", "QOperator" (QLinear* / integer ops), "QDQ + QOperator"
    int QuantizeLinearNodes,
    int DequantizeLinearNodes,
    int IntegerOperatorNodes,
    string? Weights,               // e.g. "int8 per-channel (symmetric)"
    string? Activations);          // e.g. "int8" or "uint8"
