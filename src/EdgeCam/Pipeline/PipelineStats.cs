using System.Diagnostics;

namespace EdgeCam.Pipeline;

/// <summary>
/// What every stage of the pipeline did, observable while it runs (Frigate-style): frames in,
/// frames dropped by the source, per-stage latency, and the effective frame rate.
/// The pipeline thread writes; anyone may read.
/// </summary>
public sealed class PipelineStats
{
    public LatencyHistogram Wait { get; } = new();
    public LatencyHistogram Preprocess { get; } = new();
    public LatencyHistogram Inference { get; } = new();
    public LatencyHistogram Postprocess { get; } = new();
    public LatencyHistogram Rules { get; } = new();
    /// <summary>Preprocess through rules: the work one frame costs.</summary>
    public LatencyHistogram Total { get; } = new();

    private long _frames;
    private long _framesTotal, _failedTotal;
    private long _startTicks;
    private long _lastTicks;

    public long FramesProcessed => Volatile.Read(ref _frames);
    /// <summary>Frames processed since start, warm-up included (never reset: a Prometheus counter).</summary>
    public long FramesProcessedTotal => Volatile.Read(ref _framesTotal);
    /// <summary>Frames failed since start (never reset).</summary>
    public long FramesFailedTotal => Volatile.Read(ref _failedTotal);
    /// <summary>Stopwatch ticks of the latest processed frame (0 before the first).</summary>
    public long LastFrameTicks => Volatile.Read(ref _lastFrameTicks);
    private long _lastFrameTicks;
    public long FramesDropped { get; set; }
    /// <summary>Frames whose processing failed (bad frame, inference error) and were skipped.</summary>
    public long FramesFailed { get; set; }

    public double ElapsedSeconds => _startTicks == 0 ? 0 : (_lastTicks - _startTicks) / (double)Stopwatch.Frequency;

    /// <summary>Processed frames per second from the first to the latest processed frame.</summary>
    public double FramesPerSecond => _frames > 1 && ElapsedSeconds > 0 ? (_frames - 1) / ElapsedSeconds : 0;

    public void FrameDone(long nowTicks)
    {
        if (_startTicks == 0) _startTicks = nowTicks;
        _lastTicks = nowTicks;
        Volatile.Write(ref _lastFrameTicks, nowTicks);
        Volatile.Write(ref _frames, _frames + 1);
        Volatile.Write(ref _framesTotal, _framesTotal + 1);
    }

    private long _skippedRate, _skippedMotion;
    /// <summary>Frames skipped on purpose since start: to keep an even rate, or while nothing moved.</summary>
    public long FramesSkippedRate => Volatile.Read(ref _skippedRate);
    public long FramesSkippedMotion => Volatile.Read(ref _skippedMotion);

    public void FrameSkipped(EdgeCam.Adapting.FrameVerdict why)
    {
        if (why == EdgeCam.Adapting.FrameVerdict.SkipMotion) Volatile.Write(ref _skippedMotion, _skippedMotion + 1);
        else Volatile.Write(ref _skippedRate, _skippedRate + 1);
    }

    public void FrameFailed()
    {
        FramesFailed++;
        Volatile.Write(ref _failedTotal, _failedTotal + 1);
    }

    /// <summary>Forget warm-up frames so the figures describe the steady state.</summary>
    public void Reset()
    {
        Wait.Reset(); Preprocess.Reset(); Inference.Reset(); Postprocess.Reset(); Rules.Reset(); Total.Reset();
        _frames = 0; _startTicks = 0; _lastTicks = 0; FramesFailed = 0;
    }

    public IEnumerable<(string Name, LatencyHistogram Histogram)> Stages()
    {
        yield return ("wait", Wait);
        yield return ("preprocess", Preprocess);
        yield return ("inference", Inference);
        yield return ("postprocess", Postprocess);
        yield return ("rules", Rules);
        yield return ("total", Total);
    }
}
