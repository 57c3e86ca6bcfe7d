namespace EdgeCam.Inference.Onnx;

/// <summary>Turns an OrtStatus* into an exception (and releases it, exactly once).</summary>
internal static unsafe class OrtStatus
{
    public static void Check(nint status, string? modelPath = null)
    {
        if (status == 0) return;
        OrtErrorCode code = OrtApi.GetErrorCode(status);
        string message = OrtApi.Utf8(OrtApi.GetErrorMessage(status)) ?? "(no message)";
        OrtApi.ReleaseStatus(status);
        throw new OrtException(code, message, modelPath);
    }
}
