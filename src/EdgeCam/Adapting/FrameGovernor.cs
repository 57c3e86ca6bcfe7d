using System.Diagnostics;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Adapting;

/// <summary>What to do with a frame the source handed over.</summary>
public enum FrameVerdict
{
    Process,
    /// <summary>Skipped to keep processed frames evenly spaced at the target rate.</summary>
    SkipRate,
    /// <summary>Skipped because nothing moves (the motion gate is closed).</summary>
    SkipMotion,
}

/// <summary>Decides per frame whether the pipeline runs the model on it. Pipeline thread only.</summary>
public interface IFrameGate
{
    FrameVerdict Decide(Frame frame, long nowTicks);
    /// <summary>How long a processed frame took (preprocess to rules), to learn what the device sustains.</summary>
    void Processed(long durationTicks);
}

/// <summary>
/// Adapts the work to the device. The target rate is the lowest of: the configured maximum, the
/// source's rate, what inference sustains (learned from recent frames, with 15% headroom) and,
/// while the SoC is too hot, the throttled rate. Below the source's rate, frames are taken at
/// evenly spaced times (the first frame at or after each due time), so a 30 fps camera with a model
/// that manages 12 fps gives a frame every 83 ms rather than bursts of back-to-back frames and gaps.
/// A source without a nominal rate (frames as fast as asked) is never decimated. Then the motion
/// gate, if any, may hold the frame back. Allocation-free.
/// </summary>
public sealed class FrameGovernor(double sourceFps, double maxFps, bool evenSkipping, ThermalThrottle? thermal, MotionGate? motion) : IFrameGate
{
    private const double Headroom = 1.15;
    private const double Smoothing = 0.1;
    private readonly long _halfFrameTicks = sourceFps > 0 ? (long)(Stopwatch.Frequency / sourceFps / 2) : 0;
    private long _nextDueTicks;
    private double _processTicks;
    private int _samples;
    /// <summary>The first frames are slow while ONNX Runtime warms up; they say nothing about the steady state.</summary>
    private const int IgnoredSamples = 5;

    public ThermalThrottle? Thermal => thermal;
    public MotionGate? Motion => motion;

    /// <summary>The rate frames are processed at now (0 = as they come).</summary>
    public double TargetFps { get; private set; }

    public FrameVerdict Decide(Frame frame, long nowTicks)
    {
        thermal?.Poll(nowTicks);
        double target = maxFps > 0 ? maxFps : sourceFps;
        if (sourceFps > 0 && maxFps > 0) target = Math.Min(maxFps, sourceFps);
        if (evenSkipping && _processTicks > 0) target = Min0(target, Stopwatch.Frequency / (_processTicks * Headroom));
        if (thermal is { Throttled: true }) target = Min0(target, thermal.ThrottledFps);
        TargetFps = target;

        if (sourceFps > 0 && target > 0 && target < sourceFps * 0.98)
        {
            long period = (long)(Stopwatch.Frequency / target);
            // The frame nearest the due time is taken: up to half a source frame early.
            if (nowTicks + _halfFrameTicks < _nextDueTicks) return FrameVerdict.SkipRate;
            // Keep the phase (even spacing); after a stall start afresh instead of catching up in a burst.
            _nextDueTicks = nowTicks - _nextDueTicks > period ? nowTicks + period : _nextDueTicks + period;
        }
        if (motion is not null && !motion.Moving(frame, nowTicks)) return FrameVerdict.SkipMotion;
        return FrameVerdict.Process;
    }

    public void Processed(long durationTicks)
    {
        if (++_samples <= IgnoredSamples) return;
        _processTicks = _processTicks == 0 ? durationTicks : _processTicks + Smoothing * (durationTicks - _processTicks);
    }

    private static double Min0(double a, double b) => a <= 0 ? b : Math.Min(a, b);
}
