namespace EdgeCam.Tests;

/// <summary>
/// Asserts that a step allocates no managed memory in steady state. Under the JIT a method can be
/// re-compiled (tiering, OSR) in the middle of a measurement and allocate once; a real per-step
/// allocation shows in every window. So up to three windows are measured and one must be clean.
/// (The NativeAOT binary has no tiering; tests/aot checks it over whole runs.)
/// </summary>
public static class AllocationAssert
{
    public static void NoneInSteadyState(Action step, int warmup = 100, int window = 500)
    {
        for (int i = 0; i < warmup; i++) step();
        var windows = new List<long>();
        for (int w = 0; w < 3 && (windows.Count == 0 || windows[^1] != 0); w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < window; i++) step();
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(windows[^1] == 0, $"bytes allocated per {window}-step window: {string.Join(", ", windows)}");
    }
}
