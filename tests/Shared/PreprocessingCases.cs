using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Preprocessing;

namespace EdgeCam.Tests.Shared;

/// <summary>
/// What the preprocessing property checks draw from, in one place for both of them: the xunit
/// tests (tests/EdgeCam.Tests) and the NativeAOT check run on arm64 under emulation
/// (tests/arm64/PreprocessCheck), which compile this file each.
/// </summary>
public static class PreprocessingCases
{
    /// <summary>A frame's row pitch and buffer size in <paramref name="format"/> with
    /// <paramref name="padding"/> extra bytes per row (planar formats in one buffer, as V4L2
    /// single-planar formats deliver them).</summary>
    public static (int Stride, int Size) Layout(PixelFormat format, int width, int height, int padding = 0)
    {
        int even = (width + 1) & ~1;
        int stride = (format switch
        {
            PixelFormat.Yuyv or PixelFormat.Uyvy => even * 2,
            PixelFormat.Nv12 or PixelFormat.Nv21 or PixelFormat.I420 => even,
            _ => width * PixelFormatInfo.BytesPerPixel(format),
        }) + padding;
        int chromaRows = (height + 1) / 2;
        int size = format switch
        {
            PixelFormat.Nv12 or PixelFormat.Nv21 => stride * height + stride * chromaRows,
            PixelFormat.I420 => stride * height + 2 * ((stride + 1) / 2) * chromaRows,
            _ => stride * height,
        };
        return (stride, size);
    }

    /// <summary>A plan with every option drawn at random: size, channels, layout, order, element
    /// type (with quantisation), resize mode, interpolation, pad value, normalisation, colour
    /// space, flip and rotation.</summary>
    public static PreprocessPlan RandomPlan(Random rng)
    {
        int channels = rng.Next(4) == 0 ? 1 : 3;
        var element = (TensorElement)rng.Next(3);
        float[] scale = Enumerable.Range(0, channels).Select(_ => rng.Next(3) switch { 0 => 1f, 1 => 1 / 255f, _ => (float)(rng.NextDouble() * 0.05) }).ToArray();
        float[] offset = Enumerable.Range(0, channels).Select(_ => rng.Next(2) == 0 ? 0f : (float)(rng.NextDouble() * 4 - 2)).ToArray();
        bool plainU8 = element == TensorElement.UInt8 && rng.Next(2) == 0;
        return new PreprocessPlan
        {
            Width = rng.Next(1, 41),
            Height = rng.Next(1, 41),
            Channels = channels,
            Layout = (TensorLayout)rng.Next(2),
            Order = (ChannelOrder)rng.Next(2),
            Element = element,
            Resize = (ResizeMode)rng.Next(3),
            Interpolation = (Interpolation)rng.Next(3),
            PadValue = (byte)rng.Next(256),
            Scale = plainU8 ? [1f] : scale,
            Offset = plainU8 ? [0f] : offset,
            QuantScale = element == TensorElement.Float32 || plainU8 ? 1f : (float)(rng.NextDouble() * 0.05 + 0.002),
            QuantZeroPoint = element == TensorElement.Int8 ? rng.Next(-128, 128) : element == TensorElement.UInt8 && !plainU8 ? rng.Next(0, 256) : 0,
            YuvColorSpace = (YuvColorSpace)rng.Next(4),
            FlipHorizontal = rng.Next(3) == 0,
            Rotate180 = rng.Next(3) == 0,
        };
    }

    /// <summary>No crop two times in three, else a random region inside a width x height frame.</summary>
    public static CropRect? RandomCrop(Random rng, int width, int height)
    {
        if (rng.Next(3) != 0) return null;
        int cw = rng.Next(1, width + 1), ch = rng.Next(1, height + 1);
        return new CropRect(rng.Next(0, width - cw + 1), rng.Next(0, height - ch + 1), cw, ch);
    }
}
