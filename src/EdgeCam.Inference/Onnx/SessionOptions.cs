namespace EdgeCam.Inference.Onnx;

/// <summary>How a session is created. Defaults suit a small device: worker threads do not spin
/// between runs (spinning burns a core for a few microseconds of latency), all graph optimisations.</summary>
public sealed record SessionOptions
{
    /// <summary>Threads for one operator (0 = ORT's default: one per physical core).</summary>
    public int IntraOpThreads { get; init; }
    /// <summary>Threads across operators in parallel mode (0 = ORT's default).</summary>
    public int InterOpThreads { get; init; }
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.All;
    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.Sequential;
    /// <summary>Let intra-op workers spin while waiting for work (lower latency, more power).</summary>
    public bool AllowSpinning { get; init; }
    /// <summary>Where ORT writes the optimised graph (load it next time to start faster).</summary>
    public string? OptimizedModelPath { get; init; }
    /// <summary>Record every operator's time; ORT writes them (a Chrome trace, PREFIX_date_time.json)
    /// when the session is released. For tools that ask where a model's time goes, not for devices.</summary>
    public string? ProfilePrefix { get; init; }
}

/// <summary>An OrtSessionOptions built from <see cref="SessionOptions"/>, released once.</summary>
internal sealed unsafe class NativeSessionOptions : IDisposable
{
    public nint Handle { get; private set; }

    public NativeSessionOptions(SessionOptions options, string? modelPath)
    {
        nint h;
        OrtStatus.Check(OrtApi.CreateSessionOptions(&h), modelPath);
        Handle = h;
        try
        {
            if (options.IntraOpThreads > 0) OrtStatus.Check(OrtApi.SetIntraOpNumThreads(h, options.IntraOpThreads), modelPath);
            if (options.InterOpThreads > 0) OrtStatus.Check(OrtApi.SetInterOpNumThreads(h, options.InterOpThreads), modelPath);
            OrtStatus.Check(OrtApi.SetSessionGraphOptimizationLevel(h, options.OptimizationLevel), modelPath);
            OrtStatus.Check(OrtApi.SetSessionExecutionMode(h, options.ExecutionMode), modelPath);
            using (var key = new Utf8String("session.intra_op.allow_spinning"))
            using (var value = new Utf8String(options.AllowSpinning ? "1" : "0"))
                OrtStatus.Check(OrtApi.AddSessionConfigEntry(h, key.Pointer, value.Pointer), modelPath);
            if (options.OptimizedModelPath is { Length: > 0 } optimized)
                using (var path = new Utf8String(optimized))
                    OrtStatus.Check(OrtApi.SetOptimizedModelFilePath(h, path.Pointer), modelPath);
            if (options.ProfilePrefix is { Length: > 0 } prefix)
                using (var p = new Utf8String(prefix))
                    OrtStatus.Check(OrtApi.EnableProfiling(h, p.Pointer), modelPath);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Handle != 0) OrtApi.ReleaseSessionOptions(Handle);
        Handle = 0;
    }
}
