namespace EdgeCam.Inference.Onnx;

/// <summary>One model input or output as the model declares it. <see cref="Shape"/> has -1 for
/// a symbolic dimension, whose name (e.g. "batch") is in <see cref="SymbolicDims"/>.</summary>
public sealed record NodeInfo(string Name, TensorElementType ElementType, long[] Shape, string[] SymbolicDims, bool IsTensor)
{
    public bool IsFullyKnown => Array.TrueForAll(Shape, d => d >= 0);

    /// <summary>"[1,3,?batch?..]": the shape as people read it, symbolic names where known.</summary>
    public string ShapeText => FormatShape(Shape, SymbolicDims);

    public static string FormatShape(ReadOnlySpan<long> shape, string[]? symbolic = null)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++)
            parts[i] = shape[i] >= 0 ? shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture)
                : symbolic is not null && i < symbolic.Length && symbolic[i].Length > 0 ? symbolic[i] : "?";
        return "[" + string.Join(",", parts) + "]";
    }
}

/// <summary>What the model file says about itself.</summary>
public sealed record ModelMetadata(string? Producer, string? GraphName, string? Domain, string? Description, long Version,
    IReadOnlyDictionary<string, string> Custom);
