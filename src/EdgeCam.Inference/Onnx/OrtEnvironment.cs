using System.Runtime.InteropServices;

namespace EdgeCam.Inference.Onnx;

/// <summary>
/// The process's single OrtEnv (ORT allows one per process; all sessions share it and its
/// logging). Created on first use and kept until the process exits: releasing it while sessions
/// may still exist is unsafe, and the OS reclaims it at exit.
/// </summary>
public static unsafe class OrtEnvironment
{
    private static readonly object Gate = new();
    private static nint _env;

    internal static nint Handle
    {
        get
        {
            if (_env != 0) return _env;
            lock (Gate)
            {
                if (_env != 0) return _env;
                OrtLibrary.Load();
                nint env;
                // ORT's own log lines go through our logger (journald levels, one line each)
                // instead of its coloured stderr output.
                using (var logId = new Utf8String("edgecam"))
                    OrtStatus.Check(OrtApi.CreateEnvWithCustomLogger(&OnOrtLog, 0, OrtLoggingLevel.Warning, logId.Pointer, &env));
                // 2 = ORT_PROJECTION_CSHARP: tells ORT's diagnostics which binding calls it.
                OrtStatus.Check(OrtApi.SetLanguageProjection(env, 2));
                // Belt and braces beside ORT_DISABLE_TELEMETRY (see OrtTelemetry): the API switch too.
                OrtStatus.Check(OrtApi.DisableTelemetryEvents(env));
                _env = env;
                return env;
            }
        }
    }

    /// <summary>Receives ORT's log messages: (severity 0 verbose .. 4 fatal, message). Null drops them.</summary>
    public static Action<int, string>? LogSink { get; set; }

    [UnmanagedCallersOnly]
    private static void OnOrtLog(nint param, OrtLoggingLevel severity, byte* category, byte* logId, byte* codeLocation, byte* message)
    {
        try
        {
            LogSink?.Invoke((int)severity, OrtApi.Utf8(message) ?? "");
        }
        catch
        {
            // Never let an exception unwind into native code.
        }
    }

    /// <summary>Loads the library (from <paramref name="libraryPath"/> if given) and creates the environment.</summary>
    public static void Initialize(string? libraryPath = null)
    {
        OrtLibrary.Load(libraryPath);
        _ = Handle;
    }
}
