using EdgeCam.Imaging.Sources;

namespace EdgeCam.Tests.Imaging;

/// <summary>A clock that only moves when told to (or when a source sleeps on it).</summary>
public sealed class ManualFrameClock : IFrameClock
{
    public long Frequency => 1_000_000;
    public long Now { get; private set; }
    public int Sleeps { get; private set; }

    public void AdvanceMs(double ms) => Now += (long)(ms * 1000);

    public bool Sleep(TimeSpan duration, CancellationToken cancel)
    {
        Sleeps++;
        Now += (long)Math.Ceiling(duration.TotalMicroseconds);
        return !cancel.IsCancellationRequested;
    }
}
