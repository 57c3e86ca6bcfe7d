using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Sources;

/// <summary>
/// Where frames come from: an image file, a directory replayed at a frame rate, a synthetic
/// pattern, a V4L2 camera. A pull interface: the consumer asks for the newest frame when it is
/// ready for one, and frames that became due while it was busy are skipped oldest-first and
/// counted in <see cref="DroppedFrames"/>, so nothing ever queues without bound.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>A short human description, e.g. "directory /data (12 images, 10 fps)".</summary>
    string Description { get; }

    /// <summary>The nominal frame rate, or 0 when frames come as fast as they are asked for.</summary>
    double FramesPerSecond { get; }

    /// <summary>Frames that became due but were never handed out because the consumer was busy.</summary>
    long DroppedFrames { get; }

    /// <summary>
    /// Waits for and returns the newest frame, or null at the end of the stream (or when
    /// <paramref name="cancel"/> fires). The frame stays valid until <see cref="Release"/>.
    /// </summary>
    Frame? Next(CancellationToken cancel);

    /// <summary>Hands a frame back so its buffer may be reused (a V4L2 source requeues it).</summary>
    void Release(Frame frame);
}
