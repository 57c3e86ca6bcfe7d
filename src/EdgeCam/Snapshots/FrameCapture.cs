using EdgeCam.Imaging.Frames;
using EdgeCam.Vision;

namespace EdgeCam.Snapshots;

/// <summary>
/// Hands copies of frames from the pipeline thread to whoever asked: the HTTP snapshot endpoint
/// and event snapshots. Per frame it costs one volatile read unless a copy is wanted; the HTTP side
/// reuses a copy younger than <see cref="FreshFor"/>, so clients polling /snapshot.jpg cannot make
/// the pipeline copy more than a few frames a second.
/// </summary>
public sealed class FrameCapture
{
    private readonly object _gate = new();
    private readonly List<string> _pendingEvents = [];
    private int _wanted;
    private TaskCompletionSource<CapturedFrame>? _waiter;
    private CapturedFrame? _latest;

    /// <summary>A capture this young is served again instead of asking the pipeline for a new one.</summary>
    public TimeSpan FreshFor { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Called (on the pipeline thread) with the capture of a frame on which a rule fired.</summary>
    public Action<string, CapturedFrame>? EventCaptured { get; set; }

    public CapturedFrame? Latest
    {
        get { lock (_gate) return _latest; }
    }

    /// <summary>Pipeline thread, after the rules ran and before the frame is released.</summary>
    public void OnFrame(Frame frame, InferenceResult result)
    {
        if (Volatile.Read(ref _wanted) == 0) return;
        Volatile.Write(ref _wanted, 0);
        var captured = CapturedFrame.From(frame, result);
        TaskCompletionSource<CapturedFrame>? waiter;
        string[] events;
        lock (_gate)
        {
            _latest = captured;
            waiter = _waiter;
            _waiter = null;
            events = _pendingEvents.Count == 0 ? [] : [.. _pendingEvents];
            _pendingEvents.Clear();
        }
        waiter?.TrySetResult(captured);
        foreach (var rule in events) EventCaptured?.Invoke(rule, captured);
    }

    /// <summary>Pipeline thread (from the rule event sink): capture the current frame for this rule's event.</summary>
    public void RequestForEvent(string rule)
    {
        lock (_gate) _pendingEvents.Add(rule);
        Volatile.Write(ref _wanted, 1);
    }

    /// <summary>
    /// The newest frame: a recent capture, or the next frame the pipeline processes. When no frame
    /// comes within <paramref name="wait"/> (the source stalled) the last capture is returned, or null.
    /// </summary>
    public async Task<CapturedFrame?> NextAsync(TimeSpan wait, CancellationToken cancel)
    {
        Task<CapturedFrame> next;
        lock (_gate)
        {
            if (_latest is { } fresh && fresh.Age < FreshFor) return fresh;
            _waiter ??= new TaskCompletionSource<CapturedFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
            next = _waiter.Task;
        }
        Volatile.Write(ref _wanted, 1);
        try
        {
            return await next.WaitAsync(wait, cancel).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return Latest;
        }
    }
}
