namespace EdgeCam.Imaging.Frames;

/// <summary>
/// One captured frame. Sources own their frames and reuse them (no allocation per frame);
/// a frame is valid from <see cref="IFrameSource.Next"/> until it is handed back with
/// <see cref="IFrameSource.Release"/>.
/// </summary>
public sealed class Frame
{
    private readonly FramePixels _pixels;

    public Frame(FramePixels pixels, int width, int height, int stride, PixelFormat format)
    {
        _pixels = pixels;
        Width = width;
        Height = height;
        Stride = stride;
        Format = format;
    }

    public int Width { get; }
    public int Height { get; }
    public int Stride { get; }
    public PixelFormat Format { get; }

    /// <summary>Monotonic frame number given by the source; gaps are frames the source dropped.</summary>
    public long Sequence { get; set; }

    /// <summary>Capture time, CLOCK_MONOTONIC nanoseconds where the source knows it.</summary>
    public long TimestampNs { get; set; }

    /// <summary>What the frame came from, for logs and per-image output (a file name, a device).</summary>
    public string? Origin { get; set; }

    public ReadOnlySpan<byte> Bytes => _pixels.Span;

    public ImageView View => new(_pixels.Span, Width, Height, Stride, Format);
}

/// <summary>Pixel storage behind a frame: managed memory, or memory the kernel mapped for us.</summary>
public abstract class FramePixels
{
    public abstract ReadOnlySpan<byte> Span { get; }
}

/// <summary>Frame pixels in a managed array (decoded images, the synthetic pattern).</summary>
public sealed class ArrayFramePixels(byte[] data, int length) : FramePixels
{
    public ArrayFramePixels(byte[] data) : this(data, data.Length) { }
    public byte[] Data { get; } = data;
    public int Length { get; set; } = length;
    public override ReadOnlySpan<byte> Span => Data.AsSpan(0, Length);
}
