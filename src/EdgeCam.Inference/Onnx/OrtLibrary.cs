using System.Runtime.InteropServices;

namespace EdgeCam.Inference.Onnx;

/// <summary>
/// Finds and loads libonnxruntime.so.1 once per process and binds its API table. Search order:
/// an explicit path, $EDGECAM_ORT_LIBRARY, next to the executable, then the system's library
/// path. A failure names every place tried.
/// </summary>
public static unsafe class OrtLibrary
{
    public const string FileName = "libonnxruntime.so.1";
    private static readonly object Gate = new();
    private static nint _handle;

    /// <summary>"1.30.0" once loaded.</summary>
    public static string? VersionString { get; private set; }

    /// <summary>The file that was loaded, or the bare name when the system's lookup found it.</summary>
    public static string? LoadedFrom { get; private set; }

    public static void Load(string? explicitPath = null)
    {
        lock (Gate)
        {
            if (_handle != 0) return;
            OrtTelemetry.OptOutBeforeLoad();
            var tried = new List<string>();
            foreach (string candidate in Candidates(explicitPath))
            {
                bool bare = candidate == FileName;
                if (!bare && !File.Exists(candidate)) { tried.Add($"{candidate} (no such file)"); continue; }
                if (NativeLibrary.TryLoad(candidate, out nint handle))
                {
                    Bind(handle, candidate);
                    return;
                }
                tried.Add(bare ? $"{FileName} on the system library path (not found)" : $"{candidate} (cannot be loaded)");
            }
            throw new OrtException(OrtErrorCode.NoSuchFile,
                $"the ONNX Runtime library was not found; tried {string.Join(", ", tried)}", null);
        }
    }

    private static IEnumerable<string> Candidates(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath)) { yield return explicitPath; yield break; }
        if (Environment.GetEnvironmentVariable("EDGECAM_ORT_LIBRARY") is { Length: > 0 } fromEnv) yield return fromEnv;
        yield return Path.Combine(AppContext.BaseDirectory, FileName);
        yield return FileName;
    }

    private static void Bind(nint handle, string path)
    {
        if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out nint getApiBase))
            throw new OrtException(OrtErrorCode.Fail, $"{path} does not export OrtGetApiBase: not an ONNX Runtime library", null);
        // OrtApiBase: { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
        nint* apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
        var getApi = (delegate* unmanaged<uint, nint>)apiBase[0];
        var getVersion = (delegate* unmanaged<byte*>)apiBase[1];
        string version = OrtApi.Utf8(getVersion()) ?? "?";
        nint api = getApi(OrtApi.Version);
        if (api == 0)
            throw new OrtException(OrtErrorCode.Fail,
                $"{path} (ONNX Runtime {version}) does not provide API version {OrtApi.Version}; ONNX Runtime 1.8 or newer is needed", null);
        OrtApi.Bind(api);
        _handle = handle;
        VersionString = version;
        LoadedFrom = path;
    }
}
