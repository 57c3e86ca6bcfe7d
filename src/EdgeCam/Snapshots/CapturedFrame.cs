using System.Diagnostics;
using EdgeCam.Imaging.Codecs.TurboJpeg;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Vision;

namespace EdgeCam.Snapshots;

/// <summary>
/// A copy of one frame as RGB24 with its detections, taken on the pipeline thread while the frame
/// was valid, so it can be drawn on and encoded elsewhere. Taken only when someone asked.
/// </summary>
public sealed class CapturedFrame
{
    private static readonly YuvCoefficients Yuv = YuvCoefficients.For(YuvColorSpace.Bt601Limited);

    private CapturedFrame(byte[] rgb, int width, int height, Detection[] detections, long sequence, long capturedTicks, string? origin)
    {
        Rgb = rgb; Width = width; Height = height; Detections = detections;
        Sequence = sequence; CapturedTicks = capturedTicks; Origin = origin;
    }

    public byte[] Rgb { get; }
    public int Width { get; }
    public int Height { get; }
    public Detection[] Detections { get; }
    public long Sequence { get; }
    public long CapturedTicks { get; }
    public string? Origin { get; }
    public DateTime CapturedUtc { get; } = DateTime.UtcNow;

    public TimeSpan Age => Stopwatch.GetElapsedTime(CapturedTicks);

    /// <summary>Copies the frame (converting any supported pixel format to RGB24) and the detections.</summary>
    public static CapturedFrame From(Frame frame, InferenceResult result)
    {
        var view = frame.View;
        int w = view.Width, h = view.Height;
        var rgb = GC.AllocateUninitializedArray<byte>(w * h * 3);
        if (view.Format == PixelFormat.Rgb24)
        {
            for (int y = 0; y < h; y++) view.Plane0.Slice(y * view.Stride0, w * 3).CopyTo(rgb.AsSpan(y * w * 3));
        }
        else
        {
            // The reference reader: slower than a vectorised converter, but this runs only on request.
            int i = 0;
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                PixelReader.ReadRgb(view, x, y, Yuv, out float r, out float g, out float b);
                rgb[i++] = (byte)(r + 0.5f);
                rgb[i++] = (byte)(g + 0.5f);
                rgb[i++] = (byte)(b + 0.5f);
            }
        }
        return new CapturedFrame(rgb, w, h, result.Detections.AsSpan().ToArray(), frame.Sequence, Stopwatch.GetTimestamp(), frame.Origin);
    }

    /// <summary>Encodes a JPEG of the frame with a box drawn around every detection (on a copy: the capture stays clean).</summary>
    public byte[] EncodeWithBoxes(JpegEncoder encoder, int quality)
    {
        var pixels = (byte[])Rgb.Clone();
        foreach (var d in Detections) BoxDrawing.Rectangle(pixels, Width, Height, d.Box, thickness: Math.Max(3, Width / 200) /* 3+ px survive 4:2:0 chroma subsampling */);
        return encoder.Encode(pixels, Width, Height, Width * 3, PixelFormat.Rgb24, quality).ToArray();
    }
}

/// <summary>Draws box outlines into an RGB24 image (no text: a snapshot shows where, the JSON says what).</summary>
public static class BoxDrawing
{
    private static ReadOnlySpan<byte> Colour => [255, 48, 48];

    public static void Rectangle(Span<byte> rgb, int width, int height, in BoxF box, int thickness)
    {
        int x0 = Clamp(box.X0, width), x1 = Clamp(box.X1, width), y0 = Clamp(box.Y0, height), y1 = Clamp(box.Y1, height);
        if (x1 <= x0 || y1 <= y0) return;
        for (int t = 0; t < thickness; t++)
        {
            HorizontalLine(rgb, width, x0, x1, Math.Min(y0 + t, y1));
            HorizontalLine(rgb, width, x0, x1, Math.Max(y1 - t, y0));
            VerticalLine(rgb, width, Math.Min(x0 + t, x1), y0, y1);
            VerticalLine(rgb, width, Math.Max(x1 - t, x0), y0, y1);
        }
    }

    private static int Clamp(float v, int size) => (int)Math.Clamp(MathF.Round(v), 0, size - 1);

    private static void HorizontalLine(Span<byte> rgb, int width, int x0, int x1, int y)
    {
        for (int x = x0; x <= x1; x++) Colour.CopyTo(rgb.Slice((y * width + x) * 3, 3));
    }

    private static void VerticalLine(Span<byte> rgb, int width, int x, int y0, int y1)
    {
        for (int y = y0; y <= y1; y++) Colour.CopyTo(rgb.Slice((y * width + x) * 3, 3));
    }
}
