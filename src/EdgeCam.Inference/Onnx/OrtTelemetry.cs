using System.Runtime.InteropServices;

namespace EdgeCam.Inference.Onnx;

/// <summary>
/// Official ONNX Runtime builds since 1.29 carry Microsoft's 1DS telemetry on Linux: it keeps a
/// device id and an event store under ~/.cache/Microsoft/DeveloperTools and uploads over HTTPS
/// (seen with strace: SessionCreation events queued by every run). A camera sends its results and
/// nothing else, so EdgeCam opts out the only complete way the library offers: ORT_DISABLE_TELEMETRY=1
/// in the process environment before the library initialises. .NET's Environment.SetEnvironmentVariable
/// does not reach native getenv on Linux, hence libc setenv.
/// </summary>
internal static partial class OrtTelemetry
{
    public const string OptOutVariable = "ORT_DISABLE_TELEMETRY";

    public static void OptOutBeforeLoad()
    {
        // overwrite = 1: whatever the parent process set, a device does not phone home.
        if (SetEnv(OptOutVariable, "1", 1) != 0)
            throw new OrtException(OrtErrorCode.Fail, $"cannot set {OptOutVariable} to keep ONNX Runtime's telemetry off: {Marshal.GetLastPInvokeErrorMessage()}", null);
    }

    [LibraryImport("libc", EntryPoint = "setenv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
