namespace EdgeCam.Inference.Onnx;

/// <summary>An error ONNX Runtime reported (or one found while binding it), with ORT's code and
/// message and the model it concerns. <see cref="Exception.Message"/> is one line for people:
/// "model /m/face.onnx: ORT NoSuchFile: ...".</summary>
public sealed class OrtException(OrtErrorCode code, string ortMessage, string? modelPath)
    : Exception(Format(code, ortMessage, modelPath))
{
    public OrtErrorCode Code { get; } = code;
    public string OrtMessage { get; } = ortMessage;
    public string? ModelPath { get; } = modelPath;

    private static string Format(OrtErrorCode code, string message, string? modelPath)
    {
        string oneLine = message.ReplaceLineEndings(" ").Trim();
        return modelPath is null ? $"ORT {code}: {oneLine}" : $"model {modelPath}: ORT {code}: {oneLine}";
    }
}
