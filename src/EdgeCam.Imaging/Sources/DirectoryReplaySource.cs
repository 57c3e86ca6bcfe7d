using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Frames;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Imaging.Sources;

/// <summary>
/// Replays the images of a directory (or one image) as a camera at a fixed frame rate, in name
/// order, optionally looping. Every image is decoded once at start (within a memory budget), so a
/// replayed frame costs what a camera frame costs: nothing but the pixels.
/// </summary>
public sealed class DirectoryReplaySource : IFrameSource
{
    private readonly Frame[] _frames;
    private readonly string[] _names;
    private readonly ReplaySchedule _schedule;
    private readonly bool _loop;
    private readonly int _framesPerImage;

    public string Description { get; }
    public double FramesPerSecond => _schedule.Fps;
    public long DroppedFrames => _schedule.Dropped;
    public int ImageCount => _frames.Length;

    /// <param name="framesPerImage">How many consecutive frames show each image, as a camera dwelling on a scene.</param>
    public DirectoryReplaySource(IReadOnlyList<DecodedImage> images, string description, double fps, bool loop, IFrameClock? clock = null,
        int framesPerImage = 1)
    {
        if (framesPerImage < 1) throw new ArgumentOutOfRangeException(nameof(framesPerImage), framesPerImage, "at least 1");
        _framesPerImage = framesPerImage;
        if (images.Count == 0) throw new ArgumentException($"{description}: no images to replay");
        _frames = new Frame[images.Count];
        _names = new string[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            var img = images[i];
            _frames[i] = new Frame(new ArrayFramePixels(img.Pixels), img.Width, img.Height, img.Stride, img.Format);
            _names[i] = img.Origin;
        }
        _schedule = new ReplaySchedule(clock ?? SystemFrameClock.Instance, fps);
        _loop = loop;
        Description = description;
    }

    /// <summary>Decodes a directory's images (or a single image file) and replays them.</summary>
    public static DirectoryReplaySource Open(string path, double fps, bool loop, long maxDecodedBytes, ILogger? log = null,
        IFrameClock? clock = null, int framesPerImage = 1)
    {
        var files = ImageFiles.Expand(path, log);
        using var decoder = new ImageDecoder();
        var images = new List<DecodedImage>(files.Count);
        long total = 0;
        foreach (string file in files)
        {
            var image = decoder.DecodeFile(file);
            total += image.Pixels.Length;
            if (total > maxDecodedBytes)
                throw new ImageDecodeException($"{path}: decoded images exceed the {maxDecodedBytes / (1 << 20)} MB replay budget at {file}");
            images.Add(image);
        }
        string what = Directory.Exists(path) ? $"directory {path} ({images.Count} images" : $"image {path} (1 image";
        string rate = fps > 0 ? $"{fps:0.##} fps" : "as fast as taken";
        string hold = framesPerImage > 1 ? $", {framesPerImage} frames each" : "";
        return new DirectoryReplaySource(images, $"{what}, {rate}{hold}{(loop ? ", looping" : "")})", fps, loop, clock, framesPerImage);
    }

    public Frame? Next(CancellationToken cancel)
    {
        long index = _schedule.NextIndex(_loop ? 0 : (long)_frames.Length * _framesPerImage, cancel);
        if (index < 0) return null;
        int image = (int)(index / _framesPerImage % _frames.Length);
        var frame = _frames[image];
        frame.Sequence = index;
        frame.Origin = _names[image];
        return frame;
    }

    public void Release(Frame frame) { }

    public void Dispose() { }
}
