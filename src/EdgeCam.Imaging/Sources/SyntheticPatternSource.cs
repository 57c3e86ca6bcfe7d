using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Sources;

/// <summary>
/// A test pattern camera: eight colour bars (white, yellow, cyan, green, magenta, red, blue, black,
/// left to right) with a grey square moving across them, in RGB24 or YUYV (BT.601 limited range,
/// as a V4L2 webcam delivers). Rendered into one reused buffer; a frame allocates nothing.
/// </summary>
public sealed class SyntheticPatternSource : IFrameSource
{
    public static readonly (byte R, byte G, byte B)[] Bars =
    [
        (255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
        (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0),
    ];

    private readonly byte[] _background;
    private readonly byte[] _pixels;
    private readonly Frame _frame;
    private readonly ReplaySchedule _schedule;
    private readonly long _total;

    public string Description { get; }
    public double FramesPerSecond => _schedule.Fps;
    public long DroppedFrames => _schedule.Dropped;

    /// <param name="frames">Frames to produce; 0 = endless.</param>
    public SyntheticPatternSource(int width, int height, PixelFormat format, double fps, long frames, IFrameClock? clock = null)
    {
        if (format is not (PixelFormat.Rgb24 or PixelFormat.Yuyv))
            throw new ArgumentException($"the synthetic pattern is RGB24 or YUYV, not {format}");
        if (width < 2 || height < 2 || (format == PixelFormat.Yuyv && width % 2 != 0))
            throw new ArgumentException($"synthetic pattern size {width}x{height} is not allowed (YUYV needs an even width)");
        int stride = width * PixelFormatInfo.BytesPerPixel(format);
        _background = new byte[stride * height];
        _pixels = new byte[stride * height];
        RenderBars(_background, width, height, stride, format);
        _frame = new Frame(new ArrayFramePixels(_pixels), width, height, stride, format) { Origin = "synthetic" };
        _schedule = new ReplaySchedule(clock ?? SystemFrameClock.Instance, fps);
        _total = frames;
        Description = $"synthetic pattern {width}x{height} {format}, {(fps > 0 ? $"{fps:0.##} fps" : "as fast as taken")}, " +
                      $"{(frames > 0 ? $"{frames} frames" : "endless")}";
    }

    public Frame? Next(CancellationToken cancel)
    {
        long index = _schedule.NextIndex(_total, cancel);
        if (index < 0) return null;
        _background.CopyTo(_pixels, 0);
        DrawMovingSquare(index);
        _frame.Sequence = index;
        return _frame;
    }

    public void Release(Frame frame) { }

    public void Dispose() { }

    private void DrawMovingSquare(long index)
    {
        int w = _frame.Width, h = _frame.Height, side = Math.Max(2, Math.Min(w, h) / 4) & ~1;
        int x0 = (int)(index * 4 % Math.Max(1, w - side)) & ~1, y0 = (h - side) / 2;
        for (int y = y0; y < y0 + side; y++)
        {
            var row = _pixels.AsSpan(y * _frame.Stride);
            if (_frame.Format == PixelFormat.Rgb24) row.Slice(x0 * 3, side * 3).Fill(128);
            else
                for (int x = x0; x < x0 + side; x += 2)
                {
                    row[x * 2] = 126; row[x * 2 + 1] = 128; row[x * 2 + 2] = 126; row[x * 2 + 3] = 128; // grey 128 in BT.601 limited
                }
        }
    }

    private static void RenderBars(byte[] buffer, int width, int height, int stride, PixelFormat format)
    {
        var row = buffer.AsSpan(0, stride);
        for (int x = 0; x < width; x += format == PixelFormat.Yuyv ? 2 : 1)
        {
            var (r, g, b) = Bars[x * Bars.Length / width];
            if (format == PixelFormat.Rgb24)
            {
                row[x * 3] = r; row[x * 3 + 1] = g; row[x * 3 + 2] = b;
            }
            else
            {
                var (y, u, v) = Bt601Limited(r, g, b);
                row[x * 2] = y; row[x * 2 + 1] = u; row[x * 2 + 2] = y; row[x * 2 + 3] = v;
            }
        }
        for (int y = 1; y < height; y++) row.CopyTo(buffer.AsSpan(y * stride, stride));
    }

    /// <summary>RGB to studio-swing YCbCr with the BT.601 coefficients (Y 16..235, Cb/Cr 16..240).</summary>
    public static (byte Y, byte U, byte V) Bt601Limited(byte r, byte g, byte b)
    {
        double y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
        double u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255;
        double v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255;
        return (Clamp(y), Clamp(u), Clamp(v));
    }

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
}
