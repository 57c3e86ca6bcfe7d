using System.Diagnostics;
using EdgeCam.Pipeline;

namespace EdgeCam.Service;

/// <summary>
/// Tells systemd how the pipeline is doing: READY=1 once the model is loaded and the first frame
/// processed, STATUS= with the frame rate every few seconds, WATCHDOG=1 only while frames keep
/// being processed (so a hung pipeline is restarted by systemd), STOPPING=1 on the way out.
/// Per frame it costs one timestamp comparison; datagrams go out at most a few times a second.
/// </summary>
public sealed class ServiceHeartbeat(SystemdNotifier? notifier, TimeSpan? watchdog, PipelineStats stats, Func<string> model)
{
    private static readonly long StatusEveryTicks = 5 * Stopwatch.Frequency;
    private readonly long _pingEveryTicks = watchdog is { } w ? (long)(w.TotalSeconds / 2 * Stopwatch.Frequency) : long.MaxValue;
    private long _lastPing, _lastStatus;

    public bool Enabled => notifier is not null;

    public void Ready(double startupMs)
    {
        if (notifier is null) return;
        notifier.Send($"READY=1\nSTATUS=running {model()}; first frame after {startupMs:0} ms");
        _lastPing = _lastStatus = Stopwatch.GetTimestamp();
        if (_pingEveryTicks != long.MaxValue) notifier.Ping();
    }

    public void FrameDone()
    {
        if (notifier is null) return;
        long now = Stopwatch.GetTimestamp();
        if (now - _lastPing >= _pingEveryTicks)
        {
            notifier.Ping();
            _lastPing = now;
        }
        if (now - _lastStatus >= StatusEveryTicks)
        {
            notifier.Send($"STATUS={stats.FramesPerSecond:0.0} fps, {stats.FramesDropped} dropped, {stats.FramesFailed} failed; {model()}");
            _lastStatus = now;
        }
    }

    public void Stopping() => notifier?.Send("STOPPING=1");
}
