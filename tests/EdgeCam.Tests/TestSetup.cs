using System.Runtime.CompilerServices;

namespace EdgeCam.Tests;

internal static class TestSetup
{
    /// <summary>Points the ORT binding at the cached official library before any test loads it
    /// (the device looks next to its binary; the test host is elsewhere).</summary>
    [ModuleInitializer]
    internal static void UseCachedOnnxRuntime()
    {
        string path = Path.Combine(TestAssets.Cache, "ort", "linux-x64", "libonnxruntime.so.1");
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("EDGECAM_ORT_LIBRARY")) && File.Exists(path))
            Environment.SetEnvironmentVariable("EDGECAM_ORT_LIBRARY", path);
    }
}
