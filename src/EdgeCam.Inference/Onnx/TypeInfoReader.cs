namespace EdgeCam.Inference.Onnx;

/// <summary>Reads element type and shape out of an OrtTypeInfo / OrtTensorTypeAndShapeInfo.</summary>
internal static unsafe class TypeInfoReader
{
    public static NodeInfo Read(string name, nint typeInfo, string path)
    {
        OnnxType onnxType;
        OrtStatus.Check(OrtApi.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType), path);
        if (onnxType != OnnxType.Tensor)
            return new NodeInfo(name, TensorElementType.Undefined, [], [], IsTensor: false);
        nint tensorInfo; // owned by typeInfo: not released here
        OrtStatus.Check(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), path);
        var (type, shape, symbolic) = ReadTensorInfo(tensorInfo, path);
        return new NodeInfo(name, type, shape, symbolic, IsTensor: true);
    }

    public static (TensorElementType Type, long[] Shape, string[] Symbolic) ReadTensorInfo(nint tensorInfo, string? path)
    {
        TensorElementType type;
        OrtStatus.Check(OrtApi.GetTensorElementType(tensorInfo, &type), path);
        nuint rank;
        OrtStatus.Check(OrtApi.GetDimensionsCount(tensorInfo, &rank), path);
        var shape = new long[(int)rank];
        var symbolic = new string[(int)rank];
        if (rank > 0)
        {
            fixed (long* dims = shape) OrtStatus.Check(OrtApi.GetDimensions(tensorInfo, dims, rank), path);
            var names = stackalloc byte*[(int)rank];
            OrtStatus.Check(OrtApi.GetSymbolicDimensions(tensorInfo, names, rank), path);
            for (int d = 0; d < (int)rank; d++) symbolic[d] = OrtApi.Utf8(names[d]) ?? "";
        }
        return (type, shape, symbolic);
    }

    /// <summary>The shape of a live OrtValue (outputs whose shape is only known after a run).</summary>
    public static void ReadValueShape(nint value, Span<long> shape, out int rank)
    {
        nint info;
        OrtStatus.Check(OrtApi.GetTensorTypeAndShape(value, &info));
        try
        {
            nuint r;
            OrtStatus.Check(OrtApi.GetDimensionsCount(info, &r));
            rank = (int)r;
            if (rank > shape.Length) throw new OrtException(OrtErrorCode.Fail, $"output rank {rank} exceeds {shape.Length}", null);
            fixed (long* dims = shape) OrtStatus.Check(OrtApi.GetDimensions(info, dims, r));
        }
        finally
        {
            OrtApi.ReleaseTensorTypeAndShapeInfo(info);
        }
    }
}
