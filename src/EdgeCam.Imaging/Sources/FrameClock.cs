using System.Diagnostics;

namespace EdgeCam.Imaging.Sources;

/// <summary>The time a paced source runs by: monotonic ticks and a cancellable sleep. Real time by
/// default; tests use a manual clock whose sleep just advances time.</summary>
public interface IFrameClock
{
    /// <summary>Ticks per second of <see cref="Now"/>.</summary>
    long Frequency { get; }
    long Now { get; }
    /// <summary>Sleeps, returning false when <paramref name="cancel"/> fired first.</summary>
    bool Sleep(TimeSpan duration, CancellationToken cancel);
}

public sealed class SystemFrameClock : IFrameClock
{
    public static readonly SystemFrameClock Instance = new();
    public long Frequency => Stopwatch.Frequency;
    public long Now => Stopwatch.GetTimestamp();

    public bool Sleep(TimeSpan duration, CancellationToken cancel)
    {
        if (duration <= TimeSpan.Zero) return !cancel.IsCancellationRequested;
        // WaitHandle of a token is created once and cached: no allocation per frame.
        return !cancel.WaitHandle.WaitOne(duration);
    }
}

/// <summary>
/// Which frame of a fixed-rate stream is current: frame k is due at start + k / fps. A consumer
/// that comes late gets the newest due frame, and the ones it missed count as dropped (oldest
/// first); one that comes early waits for the next. fps 0 means "as fast as asked", no drops.
/// </summary>
public sealed class ReplaySchedule(IFrameClock clock, double fps)
{
    private long _start = -1;
    private long _next;

    public long Dropped { get; private set; }
    public double Fps { get; } = fps;

    /// <summary>Index of the frame to hand out now (waiting if needed), or -1 if cancelled.
    /// With <paramref name="total"/> &gt; 0 the stream ends after index total-1: returns -2.</summary>
    public long NextIndex(long total, CancellationToken cancel)
    {
        if (cancel.IsCancellationRequested) return -1;
        if (total > 0 && _next >= total) return -2;
        if (Fps <= 0) return _next++;
        if (_start < 0) _start = clock.Now;
        long due = (long)Math.Floor((clock.Now - _start) * Fps / clock.Frequency);
        if (due < _next)
        {
            double waitTicks = _start + _next * clock.Frequency / Fps - clock.Now;
            if (!clock.Sleep(TimeSpan.FromSeconds(Math.Max(0, waitTicks) / clock.Frequency), cancel)) return -1;
            due = _next;
        }
        if (total > 0 && due >= total) due = total - 1;
        Dropped += due - _next;
        _next = due + 1;
        return due;
    }
}
