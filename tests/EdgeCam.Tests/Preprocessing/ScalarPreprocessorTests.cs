using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Preprocessing;

namespace EdgeCam.Tests.Preprocessing;

// Measures per-thread allocation: runs with no other test class in parallel.
[Collection(nameof(SerialTests))]
public class ScalarPreprocessorTests
{
    private static PreprocessPlan U8(int w, int h, TensorLayout layout = TensorLayout.Nhwc) =>
        new() { Width = w, Height = h, Layout = layout, Element = TensorElement.UInt8 };

    private static byte[] Run(PreprocessPlan plan, byte[] buffer, int w, int h, int stride, PixelFormat format, out InputMapping mapping)
    {
        var tensor = new byte[plan.TensorBytes];
        mapping = new ScalarPreprocessor(plan).Run(new ImageView(buffer, w, h, stride, format), tensor);
        return tensor;
    }

    [Fact]
    public void SameSizeStretchIsACopy()
    {
        var rgb = TestImages.Random(5, 3, seed: 1);
        var tensor = Run(U8(5, 3), rgb, 5, 3, 15, PixelFormat.Rgb24, out _);
        Assert.Equal(rgb, tensor);
    }

    [Fact]
    public void PaddedStridesAreHonoured()
    {
        var rgb = TestImages.Random(5, 3, seed: 2);
        var (buf, stride) = TestImages.Encode(rgb, 5, 3, PixelFormat.Bgr24, padding: 7);
        Assert.Equal(rgb, Run(U8(5, 3), buf, 5, 3, stride, PixelFormat.Bgr24, out _));
    }

    [Fact]
    public void NchwAndBgrReorder()
    {
        byte[] rgb = [10, 20, 30, 40, 50, 60];
        var plan = U8(2, 1, TensorLayout.Nchw) with { Order = ChannelOrder.Bgr };
        Assert.Equal(new byte[] { 30, 60, 20, 50, 10, 40 }, Run(plan, rgb, 2, 1, 6, PixelFormat.Rgb24, out _));
    }

    [Fact]
    public void BilinearUpscaleUsesPixelCentres()
    {
        byte[] grey = [0, 100];
        var plan = U8(4, 1) with { Channels = 1 };
        Assert.Equal(new byte[] { 0, 25, 75, 100 }, Run(plan, grey, 2, 1, 2, PixelFormat.Grey8, out _));
    }

    [Fact]
    public void AreaAveragesLargeDownscales()
    {
        byte[] grey = [0, 0, 0, 0, 200, 200, 200, 200];
        var plan = U8(2, 1) with { Channels = 1, Interpolation = Interpolation.Bilinear }; // 4x: area by itself
        Assert.Equal(new byte[] { 0, 200 }, Run(plan, grey, 8, 1, 8, PixelFormat.Grey8, out _));
    }

    [Fact]
    public void AreaOnYuvAveragesTheSamplesThenConverts()
    {
        // One YUYV pair, Y 0 and 255 (both outside BT.601 limited range), grey chroma, 2x1 -> 1x1.
        // Converting first clamps to 0 and 255 and averages to 127.5; the convention averages Y to
        // 127.5 and converts once: (127.5 - 16) * 255/219 = 129.8 -> 130.
        byte[] yuyv = [0, 128, 255, 128];
        var plan = U8(1, 1) with { Interpolation = Interpolation.Area };
        var tensor = Run(plan, yuyv, 2, 1, 4, PixelFormat.Yuyv, out _);
        Assert.Equal(new byte[] { 130, 130, 130 }, tensor);
        // The same pixels as RGB (already clamped) average to 127.5 -> 128: the order matters only past the gamut.
        byte[] rgb = [0, 0, 0, 255, 255, 255];
        Assert.Equal(new byte[] { 128, 128, 128 }, Run(plan, rgb, 2, 1, 6, PixelFormat.Rgb24, out _));
    }

    [Fact]
    public void AreaWeightsKeepAWeightedColumnSumWithin16Bits()
    {
        // Every footprint the reference can form, over scales from extreme upscales to the 32x tap
        // limit: its integer weights sum to at most 256, so 255 * sum fits an unsigned 16-bit lane.
        var rng = new Random(7);
        for (int n = 0; n < 20000; n++)
        {
            double scale = n < 10000 ? rng.NextDouble() * 32 + 0.01 : rng.Next(1, 33) + rng.Next(0, 3) * 0.5;
            double a = rng.NextDouble() * 1000, b = a + scale;
            int unit = AreaWeights.Unit(scale), sum = 0, taps = 0;
            for (int s = (int)Math.Floor(a); s < b; s++, taps++)
                sum += AreaWeights.Weight(Math.Min(s + 1, b) - Math.Max(s, a), unit);
            Assert.True(sum is > 0 and <= 256, $"scale {scale} at {a}: weights sum to {sum} over {taps} taps");
        }
    }

    [Theory]
    [InlineData(PixelFormat.Rgb24)] [InlineData(PixelFormat.Bgr24)] [InlineData(PixelFormat.Rgba32)] [InlineData(PixelFormat.Bgra32)]
    [InlineData(PixelFormat.Yuyv)] [InlineData(PixelFormat.Uyvy)] [InlineData(PixelFormat.Nv12)] [InlineData(PixelFormat.Nv21)] [InlineData(PixelFormat.I420)]
    public void EveryFormatGivesBackItsColours(PixelFormat format)
    {
        (byte R, byte G, byte B)[] colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128), (255, 255, 255), (0, 0, 0), (200, 100, 50)];
        foreach (var (r, g, b) in colours)
        {
            var (buf, stride) = TestImages.Encode(TestImages.Solid(6, 4, r, g, b), 6, 4, format, padding: 3);
            var tensor = Run(U8(3, 2), buf, 6, 4, stride, format, out _);
            for (int i = 0; i < tensor.Length; i += 3)
            {
                Assert.InRange(tensor[i], r - 2, r + 2);
                Assert.InRange(tensor[i + 1], g - 2, g + 2);
                Assert.InRange(tensor[i + 2], b - 2, b + 2);
            }
        }
    }

    [Fact]
    public void LetterboxPadsAndMapsBack()
    {
        var rgb = TestImages.Solid(8, 4, 200, 200, 200);
        var plan = U8(8, 8) with { Resize = ResizeMode.Letterbox, PadValue = 7 };
        var tensor = Run(plan, rgb, 8, 4, 24, PixelFormat.Rgb24, out var mapping);
        // 8x4 fits 8x8 at scale 1: rows 2..5 are the picture, 0..1 and 6..7 padding.
        for (int y = 0; y < 8; y++)
            Assert.Equal(y is >= 2 and < 6 ? 200 : 7, tensor[(y * 8 + 3) * 3]);
        Assert.Equal(0f, mapping.MapY(2f), 4);
        Assert.Equal(4f, mapping.MapY(6f), 4);
        Assert.Equal(8f, mapping.MapX(8f), 4);
    }

    [Fact]
    public void CenterCropTakesTheMiddle()
    {
        // 6x2: columns 0..1 red, 2..3 green, 4..5 blue; a 2x2 centre crop sees only green.
        var rgb = new byte[6 * 2 * 3];
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 6; x++)
                rgb[(y * 6 + x) * 3 + x / 2] = 255;
        var plan = U8(2, 2) with { Resize = ResizeMode.CenterCrop };
        var tensor = Run(plan, rgb, 6, 2, 18, PixelFormat.Rgb24, out var mapping);
        for (int i = 0; i < tensor.Length; i += 3) Assert.Equal((0, 255, 0), (tensor[i], tensor[i + 1], tensor[i + 2]));
        Assert.Equal(2f, mapping.MapX(0f), 4);
        Assert.Equal(4f, mapping.MapX(2f), 4);
    }

    [Fact]
    public void FlipAndRotateMirrorThePictureAndTheMapping()
    {
        byte[] grey = [1, 2, 3, 4, 5, 6]; // 3x2
        var plan = U8(3, 2) with { Channels = 1 };
        Assert.Equal(new byte[] { 3, 2, 1, 6, 5, 4 }, Run(plan with { FlipHorizontal = true }, grey, 3, 2, 3, PixelFormat.Grey8, out var flip));
        Assert.Equal(new byte[] { 6, 5, 4, 3, 2, 1 }, Run(plan with { Rotate180 = true }, grey, 3, 2, 3, PixelFormat.Grey8, out var rot));
        Assert.Equal(3f, flip.MapX(0f), 4);
        Assert.Equal(0f, flip.MapX(3f), 4);
        Assert.Equal((3f, 2f), (rot.MapX(0f), rot.MapY(0f)));
    }

    [Fact]
    public void FloatNormalisationAndInt8Quantisation()
    {
        byte[] grey = [0, 255, 128];
        var f = new PreprocessPlan { Width = 3, Height = 1, Channels = 1, Scale = [1 / 127.5f], Offset = [-1f] };
        var floats = new float[3];
        new ScalarPreprocessor(f).Run(new ImageView(grey, 3, 1, 3, PixelFormat.Grey8), System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()));
        Assert.Equal(-1f, floats[0], 6);
        Assert.Equal(1f, floats[1], 6);
        Assert.Equal(128 / 127.5f - 1f, floats[2], 6);

        // int8: value/255 quantised with scale 1/100: 0 -> 0, 255 -> 100, 128 -> round(50.196) = 50; zero point -128 shifts.
        var q = new PreprocessPlan { Width = 3, Height = 1, Channels = 1, Element = TensorElement.Int8, Scale = [1 / 255f], QuantScale = 0.01f, QuantZeroPoint = -100 };
        var tensor = new byte[3];
        new ScalarPreprocessor(q).Run(new ImageView(grey, 3, 1, 3, PixelFormat.Grey8), tensor);
        Assert.Equal(new sbyte[] { -100, 0, -50 }, tensor.Select(b => (sbyte)b).ToArray());
        // Saturation: zero point 100 pushes 255 -> 200, clamped to 127.
        new ScalarPreprocessor(q with { QuantZeroPoint = 100 }).Run(new ImageView(grey, 3, 1, 3, PixelFormat.Grey8), tensor);
        Assert.Equal(new sbyte[] { 100, 127, 127 }, tensor.Select(b => (sbyte)b).ToArray());
    }

    [Fact]
    public void QuantisationRoundsHalfToEven()
    {
        byte[] grey = [1, 3]; // 0.5 and 1.5 with QuantScale 2
        var q = new PreprocessPlan { Width = 2, Height = 1, Channels = 1, Element = TensorElement.UInt8, QuantScale = 2f };
        var tensor = new byte[2];
        new ScalarPreprocessor(q).Run(new ImageView(grey, 2, 1, 2, PixelFormat.Grey8), tensor);
        Assert.Equal(new byte[] { 0, 2 }, tensor);
    }

    [Fact]
    public void AWrongTensorSizeIsRefusedWithTheSizes()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new ScalarPreprocessor(U8(4, 4)).Run(new ImageView(new byte[48], 4, 4, 12, PixelFormat.Rgb24), new byte[10]));
        Assert.Contains("10 bytes", e.Message);
        Assert.Contains("48 bytes", e.Message);
    }

    [Fact]
    public void ACropOutsideTheSourceIsRefused()
    {
        var plan = U8(2, 2) with { SourceCrop = new CropRect(3, 0, 4, 4) };
        Assert.Throws<ArgumentException>(() => new ScalarPreprocessor(plan).Run(new ImageView(new byte[48], 4, 4, 12, PixelFormat.Rgb24), new byte[12]));
    }

    [Fact]
    public void AllocatesNothingPerFrame()
    {
        var (buf, stride) = TestImages.Encode(TestImages.Random(64, 48, 3), 64, 48, PixelFormat.Yuyv);
        var pre = new ScalarPreprocessor(new PreprocessPlan { Width = 32, Height = 32, Resize = ResizeMode.Letterbox });
        var tensor = new byte[pre.Plan.TensorBytes];
        AllocationAssert.NoneInSteadyState(() => pre.Run(new ImageView(buf, 64, 48, stride, PixelFormat.Yuyv), tensor), warmup: 5, window: 20);
    }
}
