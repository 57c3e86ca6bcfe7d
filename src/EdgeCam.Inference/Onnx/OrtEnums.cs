namespace EdgeCam.Inference.Onnx;

// C enums of onnxruntime_c_api.h, values mirrored 1:1 (4-byte ints on every platform we build for).

/// <summary>ONNXTensorElementDataType.</summary>
public enum TensorElementType
{
    Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7,
    String = 8, Bool = 9, Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13, Complex64 = 14,
    Complex128 = 15, BFloat16 = 16,
}

/// <summary>OrtErrorCode.</summary>
public enum OrtErrorCode
{
    Ok = 0, Fail = 1, InvalidArgument = 2, NoSuchFile = 3, NoModel = 4, EngineError = 5,
    RuntimeException = 6, InvalidProtobuf = 7, ModelLoaded = 8, NotImplemented = 9, InvalidGraph = 10, EpFail = 11,
}

/// <summary>GraphOptimizationLevel.</summary>
public enum GraphOptimizationLevel { DisableAll = 0, Basic = 1, Extended = 2, All = 99 }

/// <summary>ExecutionMode.</summary>
public enum ExecutionMode { Sequential = 0, Parallel = 1 }

internal enum OrtLoggingLevel { Verbose = 0, Info = 1, Warning = 2, Error = 3, Fatal = 4 }

internal enum OnnxType { Unknown = 0, Tensor = 1, Sequence = 2, Map = 3, Opaque = 4, SparseTensor = 5, Optional = 6 }

public static class TensorElementTypes
{
    /// <summary>Bytes per element, or 0 for types EdgeCam does not move as raw bytes (strings).</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.UInt8 or TensorElementType.Int8 or TensorElementType.Bool => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Int64 or TensorElementType.UInt64 or TensorElementType.Double or TensorElementType.Complex64 => 8,
        TensorElementType.Complex128 => 16,
        _ => 0,
    };

    /// <summary>The lower-case names used in model cards, outputs.json and messages.</summary>
    public static string Name(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Double => "float64",
        TensorElementType.Float16 => "float16",
        TensorElementType.BFloat16 => "bfloat16",
        _ => type.ToString().ToLowerInvariant(),
    };

    public static TensorElementType? Parse(string name)
    {
        foreach (TensorElementType t in Enum.GetValues<TensorElementType>())
            if (Name(t) == name) return t;
        return null;
    }
}
