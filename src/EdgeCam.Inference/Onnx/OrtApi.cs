using System.Runtime.InteropServices;

namespace EdgeCam.Inference.Onnx;

/// <summary>
/// The OrtApi function table, read by slot index (onnxruntime_c_api.h only ever appends slots,
/// so an index never moves). Each property casts one slot to its C signature; every pointer
/// argument is a raw handle (nint) so no marshalling happens on the hot path. Functions that
/// return OrtStatus* return it as nint (0 = success, see <see cref="OrtStatus"/>).
/// </summary>
internal static unsafe class OrtApi
{
    /// <summary>The API version asked for: every slot used here exists since version 8 (ORT 1.8).</summary>
    public const uint Version = 8;

    private static nint* _table;

    public static bool IsLoaded => _table != null;

    public static void Bind(nint table) => _table = (nint*)table;

    private static nint Slot(int index) => _table == null
        ? throw new InvalidOperationException("ONNX Runtime is not loaded (call OrtLibrary.Load first)")
        : _table[index];

    // Status
    public static delegate* unmanaged<nint, OrtErrorCode> GetErrorCode => (delegate* unmanaged<nint, OrtErrorCode>)Slot(1);
    public static delegate* unmanaged<nint, byte*> GetErrorMessage => (delegate* unmanaged<nint, byte*>)Slot(2);
    public static delegate* unmanaged<nint, void> ReleaseStatus => (delegate* unmanaged<nint, void>)Slot(93);

    // Environment
    public static delegate* unmanaged<OrtLoggingLevel, byte*, nint*, nint> CreateEnv => (delegate* unmanaged<OrtLoggingLevel, byte*, nint*, nint>)Slot(3);
    public static delegate* unmanaged<delegate* unmanaged<nint, OrtLoggingLevel, byte*, byte*, byte*, byte*, void>, nint, OrtLoggingLevel, byte*, nint*, nint> CreateEnvWithCustomLogger
        => (delegate* unmanaged<delegate* unmanaged<nint, OrtLoggingLevel, byte*, byte*, byte*, byte*, void>, nint, OrtLoggingLevel, byte*, nint*, nint>)Slot(4);
    public static delegate* unmanaged<nint, nint> DisableTelemetryEvents => (delegate* unmanaged<nint, nint>)Slot(6);
    public static delegate* unmanaged<nint, void> ReleaseEnv => (delegate* unmanaged<nint, void>)Slot(92);
    public static delegate* unmanaged<nint, int, nint> SetLanguageProjection => (delegate* unmanaged<nint, int, nint>)Slot(145);

    // Sessions
    public static delegate* unmanaged<nint, byte*, nint, nint*, nint> CreateSession => (delegate* unmanaged<nint, byte*, nint, nint*, nint>)Slot(7);
    public static delegate* unmanaged<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray => (delegate* unmanaged<nint, void*, nuint, nint, nint*, nint>)Slot(8);
    public static delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run => (delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)Slot(9);
    public static delegate* unmanaged<nint, void> ReleaseSession => (delegate* unmanaged<nint, void>)Slot(95);
    public static delegate* unmanaged<nint, nuint*, nint> SessionGetInputCount => (delegate* unmanaged<nint, nuint*, nint>)Slot(30);
    public static delegate* unmanaged<nint, nuint*, nint> SessionGetOutputCount => (delegate* unmanaged<nint, nuint*, nint>)Slot(31);
    public static delegate* unmanaged<nint, nuint, nint*, nint> SessionGetInputTypeInfo => (delegate* unmanaged<nint, nuint, nint*, nint>)Slot(33);
    public static delegate* unmanaged<nint, nuint, nint*, nint> SessionGetOutputTypeInfo => (delegate* unmanaged<nint, nuint, nint*, nint>)Slot(34);
    public static delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetInputName => (delegate* unmanaged<nint, nuint, nint, byte**, nint>)Slot(36);
    public static delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetOutputName => (delegate* unmanaged<nint, nuint, nint, byte**, nint>)Slot(37);

    // Session options
    public static delegate* unmanaged<nint*, nint> CreateSessionOptions => (delegate* unmanaged<nint*, nint>)Slot(10);
    public static delegate* unmanaged<nint, byte*, nint> SetOptimizedModelFilePath => (delegate* unmanaged<nint, byte*, nint>)Slot(11);
    public static delegate* unmanaged<nint, ExecutionMode, nint> SetSessionExecutionMode => (delegate* unmanaged<nint, ExecutionMode, nint>)Slot(13);
    public static delegate* unmanaged<nint, byte*, nint> EnableProfiling => (delegate* unmanaged<nint, byte*, nint>)Slot(14);
    public static delegate* unmanaged<nint, GraphOptimizationLevel, nint> SetSessionGraphOptimizationLevel => (delegate* unmanaged<nint, GraphOptimizationLevel, nint>)Slot(23);
    public static delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads => (delegate* unmanaged<nint, int, nint>)Slot(24);
    public static delegate* unmanaged<nint, int, nint> SetInterOpNumThreads => (delegate* unmanaged<nint, int, nint>)Slot(25);
    public static delegate* unmanaged<nint, byte*, byte*, nint> AddSessionConfigEntry => (delegate* unmanaged<nint, byte*, byte*, nint>)Slot(130);
    public static delegate* unmanaged<nint, void> ReleaseSessionOptions => (delegate* unmanaged<nint, void>)Slot(100);

    // Type information
    public static delegate* unmanaged<nint, nint*, nint> CastTypeInfoToTensorInfo => (delegate* unmanaged<nint, nint*, nint>)Slot(55);
    public static delegate* unmanaged<nint, OnnxType*, nint> GetOnnxTypeFromTypeInfo => (delegate* unmanaged<nint, OnnxType*, nint>)Slot(56);
    public static delegate* unmanaged<nint, TensorElementType*, nint> GetTensorElementType => (delegate* unmanaged<nint, TensorElementType*, nint>)Slot(60);
    public static delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount => (delegate* unmanaged<nint, nuint*, nint>)Slot(61);
    public static delegate* unmanaged<nint, long*, nuint, nint> GetDimensions => (delegate* unmanaged<nint, long*, nuint, nint>)Slot(62);
    public static delegate* unmanaged<nint, byte**, nuint, nint> GetSymbolicDimensions => (delegate* unmanaged<nint, byte**, nuint, nint>)Slot(63);
    public static delegate* unmanaged<nint, nint*, nint> GetTensorTypeAndShape => (delegate* unmanaged<nint, nint*, nint>)Slot(65);
    public static delegate* unmanaged<nint, void> ReleaseTypeInfo => (delegate* unmanaged<nint, void>)Slot(98);
    public static delegate* unmanaged<nint, void> ReleaseTensorTypeAndShapeInfo => (delegate* unmanaged<nint, void>)Slot(99);

    // Values and memory
    public static delegate* unmanaged<nint, void*, nuint, long*, nuint, TensorElementType, nint*, nint> CreateTensorWithDataAsOrtValue
        => (delegate* unmanaged<nint, void*, nuint, long*, nuint, TensorElementType, nint*, nint>)Slot(49);
    public static delegate* unmanaged<nint, void**, nint> GetTensorMutableData => (delegate* unmanaged<nint, void**, nint>)Slot(51);
    public static delegate* unmanaged<nint, void> ReleaseValue => (delegate* unmanaged<nint, void>)Slot(96);
    public static delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo => (delegate* unmanaged<int, int, nint*, nint>)Slot(69);
    public static delegate* unmanaged<nint, void> ReleaseMemoryInfo => (delegate* unmanaged<nint, void>)Slot(94);
    public static delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions => (delegate* unmanaged<nint*, nint>)Slot(78);
    public static delegate* unmanaged<nint, void*, nint> AllocatorFree => (delegate* unmanaged<nint, void*, nint>)Slot(76);

    // Model metadata
    public static delegate* unmanaged<nint, nint*, nint> SessionGetModelMetadata => (delegate* unmanaged<nint, nint*, nint>)Slot(111);
    public static delegate* unmanaged<nint, nint, byte**, nint> ModelMetadataGetProducerName => (delegate* unmanaged<nint, nint, byte**, nint>)Slot(112);
    public static delegate* unmanaged<nint, nint, byte**, nint> ModelMetadataGetGraphName => (delegate* unmanaged<nint, nint, byte**, nint>)Slot(113);
    public static delegate* unmanaged<nint, nint, byte**, nint> ModelMetadataGetDomain => (delegate* unmanaged<nint, nint, byte**, nint>)Slot(114);
    public static delegate* unmanaged<nint, nint, byte**, nint> ModelMetadataGetDescription => (delegate* unmanaged<nint, nint, byte**, nint>)Slot(115);
    public static delegate* unmanaged<nint, nint, byte*, byte**, nint> ModelMetadataLookupCustomMetadataMap => (delegate* unmanaged<nint, nint, byte*, byte**, nint>)Slot(116);
    public static delegate* unmanaged<nint, long*, nint> ModelMetadataGetVersion => (delegate* unmanaged<nint, long*, nint>)Slot(117);
    public static delegate* unmanaged<nint, void> ReleaseModelMetadata => (delegate* unmanaged<nint, void>)Slot(118);
    public static delegate* unmanaged<nint, nint, byte***, long*, nint> ModelMetadataGetCustomMetadataMapKeys => (delegate* unmanaged<nint, nint, byte***, long*, nint>)Slot(123);

    /// <summary>Reads a NUL-terminated UTF-8 string ORT returned.</summary>
    public static string? Utf8(byte* s) => s == null ? null : Marshal.PtrToStringUTF8((nint)s);
}
