using System.Runtime.InteropServices;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Preprocessing;

using EdgeCam.Tests.Shared;

namespace EdgeCam.Tests.Preprocessing;

/// <summary>
/// The vector path against the scalar reference: seeded random plans and images over every pixel
/// format, size, stride padding, content extreme and plan option. uint8/int8 must be equal, float
/// within 1e-5, and the input mapping identical.
/// </summary>
// Measures per-thread allocation: runs with no other test class in parallel.
[Collection(nameof(SerialTests))]
public class Vector128PreprocessorTests
{
    private static readonly PixelFormat[] Formats = Enum.GetValues<PixelFormat>();

    internal sealed record Image(byte[] Buffer, int Width, int Height, int Stride, PixelFormat Format)
    {
        public ImageView View => new(Buffer, Width, Height, Stride, Format);
    }

    internal enum Content { Random, Black, White, RawRandom, SaturatingYuv }

    internal static Image MakeImage(Random rng, PixelFormat format, int w, int h, int padding, Content content)
    {
        var rgb = content switch
        {
            Content.Black => TestImages.Solid(w, h, 0, 0, 0),
            Content.White => TestImages.Solid(w, h, 255, 255, 255),
            _ => TestImages.Random(w, h, rng.Next()),
        };
        var (buf, stride) = TestImages.Encode(rgb, w, h, format, padding);
        if (content == Content.RawRandom) rng.NextBytes(buf); // every byte combination, YUV out of gamut included
        if (content == Content.SaturatingYuv) FillSaturatingYuv(buf, format, stride, h);
        return new Image(buf, w, h, stride, format);
    }

    /// <summary>Y=255 U=0 V=255 everywhere (R and B clip at opposite ends); packed formats get 255/0 stripes.</summary>
    private static void FillSaturatingYuv(byte[] buf, PixelFormat format, int stride, int h)
    {
        switch (format)
        {
            case PixelFormat.Yuyv:
                for (int i = 0; i < buf.Length; i++) buf[i] = (i & 3) == 1 ? (byte)0 : (byte)255;
                break;
            case PixelFormat.Uyvy:
                for (int i = 0; i < buf.Length; i++) buf[i] = (i & 3) == 0 ? (byte)0 : (byte)255;
                break;
            case PixelFormat.Nv12 or PixelFormat.Nv21:
            {
                bool nv12 = format == PixelFormat.Nv12;
                for (int i = 0; i < buf.Length; i++)
                    buf[i] = i < stride * h ? (byte)255 : ((i - stride * h) & 1) == (nv12 ? 0 : 1) ? (byte)0 : (byte)255;
                break;
            }
            case PixelFormat.I420:
            {
                int cSize = (stride + 1) / 2 * ((h + 1) / 2);
                for (int i = 0; i < buf.Length; i++) buf[i] = i >= stride * h && i < stride * h + cSize ? (byte)0 : (byte)255;
                break;
            }
            default:
                for (int i = 0; i < buf.Length; i++) buf[i] = (i % 2) == 0 ? (byte)255 : (byte)0;
                break;
        }
    }

    private static void AssertSame(PreprocessPlan plan, IPreprocessor fast, Image image, string what)
    {
        var expected = new byte[plan.TensorBytes];
        var actual = new byte[plan.TensorBytes];
        actual.AsSpan().Fill(0xA5); // anything left unwritten shows up
        var expectedMap = new ScalarPreprocessor(plan).Run(image.View, expected);
        var actualMap = fast.Run(image.View, actual);
        Assert.True(expectedMap == actualMap, $"{what}: mapping {actualMap} != {expectedMap}");
        if (plan.Element != TensorElement.Float32)
        {
            int i = expected.AsSpan().CommonPrefixLength(actual);
            Assert.True(i == expected.Length, i == expected.Length ? "" : $"{what}: byte {i} is {actual[i]}, reference {expected[i]}");
            return;
        }
        var e = MemoryMarshal.Cast<byte, float>(expected);
        var a = MemoryMarshal.Cast<byte, float>(actual);
        for (int i = 0; i < e.Length; i++)
            if (!(Math.Abs(e[i] - a[i]) <= 1e-5f))
                Assert.Fail($"{what}: float {i} is {a[i]:R}, reference {e[i]:R}");
    }

    [Fact]
    public void RandomPlansAndImagesMatchTheScalarReference()
    {
        var rng = new Random(20261122);
        int cases = 0;
        for (int n = 0; n < 700; n++)
        {
            var format = Formats[n % Formats.Length];
            int w = rng.Next(1, 68), h = rng.Next(1, 44);
            var content = rng.Next(8) switch { 0 => Content.Black, 1 => Content.White, 2 => Content.RawRandom, 3 => Content.SaturatingYuv, _ => Content.Random };
            var image = MakeImage(rng, format, w, h, padding: rng.Next(3) == 0 ? 0 : rng.Next(1, 10), content);
            var plan = PreprocessingCases.RandomPlan(rng) with { SourceCrop = PreprocessingCases.RandomCrop(rng, w, h) };
            // Every other case shares its rows with the helper thread whatever the size.
            var fast = new Vector128Preprocessor(plan, splitPixels: n % 2 == 0 ? 0 : int.MaxValue);
            string what = $"case {n}: {format} {w}x{h} stride {image.Stride} {content} -> {plan}{(n % 2 == 0 ? " (rows split)" : "")}";
            AssertSame(plan, fast, image, what);
            // Same size, new pixels: the row cache must not serve the previous frame.
            AssertSame(plan, fast, MakeImage(rng, format, w, h, image.Stride - MinStride(format, w), Content.Random), what + " (second frame)");
            cases += 2;
            // A new source size rebuilds the tables (only when the crop still fits).
            if (plan.SourceCrop is null)
            {
                int w2 = rng.Next(1, 68), h2 = rng.Next(1, 44);
                AssertSame(plan, fast, MakeImage(rng, format, w2, h2, 1, Content.Random), what + $" (resized to {w2}x{h2})");
                cases++;
            }
        }
        Assert.True(cases > 1500);
    }

    private static int MinStride(PixelFormat format, int w) => format switch
    {
        PixelFormat.Yuyv or PixelFormat.Uyvy => ((w + 1) & ~1) * 2,
        PixelFormat.Nv12 or PixelFormat.Nv21 or PixelFormat.I420 => (w + 1) & ~1,
        _ => w * PixelFormatInfo.BytesPerPixel(format),
    };

    [Theory]
    [InlineData(PixelFormat.Yuyv, 640, 480, 128, 128, TensorLayout.Nhwc, ResizeMode.Letterbox)]
    [InlineData(PixelFormat.Nv12, 1280, 720, 224, 224, TensorLayout.Nchw, ResizeMode.Stretch)]
    [InlineData(PixelFormat.Rgb24, 320, 240, 224, 224, TensorLayout.Nchw, ResizeMode.Letterbox)]
    [InlineData(PixelFormat.Yuyv, 200, 150, 128, 128, TensorLayout.Nhwc, ResizeMode.Stretch)]
    [InlineData(PixelFormat.Nv12, 300, 260, 224, 224, TensorLayout.Nchw, ResizeMode.CenterCrop)]
    [InlineData(PixelFormat.Uyvy, 1280, 720, 128, 128, TensorLayout.Nhwc, ResizeMode.Stretch)]
    [InlineData(PixelFormat.Nv21, 1920, 1080, 224, 224, TensorLayout.Nchw, ResizeMode.CenterCrop)]
    [InlineData(PixelFormat.I420, 1280, 720, 224, 224, TensorLayout.Nchw, ResizeMode.Letterbox)]
    public void CameraSizedFramesMatchTheReference(PixelFormat format, int w, int h, int tw, int th, TensorLayout layout, ResizeMode resize)
    {
        var image = MakeImage(new Random(w * h), format, w, h, padding: 32, Content.Random);
        foreach (var interpolation in new[] { Interpolation.Bilinear, Interpolation.Nearest })
        {
            var plan = new PreprocessPlan
            {
                Width = tw, Height = th, Layout = layout, Resize = resize, Interpolation = interpolation,
                Scale = [1 / 127.5f], Offset = [-1f], PadValue = 114,
            };
            AssertSame(plan, new Vector128Preprocessor(plan), image, $"{format} {w}x{h} -> {tw}x{th} {layout} {resize} {interpolation}");
            AssertSame(plan, new Vector128Preprocessor(plan, splitPixels: 0), image, $"{format} {w}x{h} -> {tw}x{th} {layout} {resize} {interpolation}, rows split");
            AssertSame(plan, new Vector128Preprocessor(plan, splitPixels: int.MaxValue), image, $"{format} {w}x{h} -> {tw}x{th} {layout} {resize} {interpolation}, one thread");
            var u8 = plan with { Element = TensorElement.UInt8, Scale = [1f], Offset = [0f] };
            AssertSame(u8, new Vector128Preprocessor(u8), image, $"{format} {w}x{h} -> {tw}x{th} uint8 {resize} {interpolation}");
        }
    }

    [Fact]
    public void EveryFormatAndInterpolationIsAccelerated()
    {
        var plan = new PreprocessPlan { Width = 8, Height = 8 };
        foreach (var format in Formats)
            foreach (var interpolation in Enum.GetValues<Interpolation>())
                Assert.True(Vector128Preprocessor.IsAccelerated(plan with { Interpolation = interpolation }, format));
    }

    [Fact]
    public void HugeAreaDownscalesFallBackToTheReference()
    {
        // 200x1 -> 2x1 is a 100x area footprint: beyond the row cache's tap limit, still right.
        var rng = new Random(5);
        var image = MakeImage(rng, PixelFormat.Rgb24, 200, 40, 0, Content.Random);
        var plan = new PreprocessPlan { Width = 2, Height = 1, Element = TensorElement.UInt8 };
        AssertSame(plan, new Vector128Preprocessor(plan), image, "100x area");
    }

    [Fact]
    public void AWrongTensorSizeIsRefused()
    {
        var pre = new Vector128Preprocessor(new PreprocessPlan { Width = 4, Height = 4, Element = TensorElement.UInt8 });
        Assert.Throws<ArgumentException>(() => pre.Run(new ImageView(new byte[48], 4, 4, 12, PixelFormat.Rgb24), new byte[10]));
    }

    [Theory]
    [InlineData(PixelFormat.Yuyv, 640, 480, ResizeMode.Letterbox, TensorLayout.Nhwc, 128)]
    [InlineData(PixelFormat.Nv12, 1280, 720, ResizeMode.Stretch, TensorLayout.Nchw, 224)]
    [InlineData(PixelFormat.Rgb24, 160, 120, ResizeMode.Letterbox, TensorLayout.Nchw, 128)]
    [InlineData(PixelFormat.I420, 100, 80, ResizeMode.CenterCrop, TensorLayout.Nhwc, 64)]
    public void AllocatesNothingPerFrame(PixelFormat format, int w, int h, ResizeMode resize, TensorLayout layout, int size)
    {
        var image = MakeImage(new Random(1), format, w, h, 0, Content.Random);
        var pre = new Vector128Preprocessor(new PreprocessPlan { Width = size, Height = size, Resize = resize, Layout = layout, Rotate180 = true });
        var tensor = new byte[pre.Plan.TensorBytes];
        pre.Run(image.View, tensor);
        // A window of 20 frames must allocate nothing. Up to three windows are tried because, in
        // this JIT-ed test host, tiered compilation kicking in mid-window (for methods other tests
        // warmed) can charge a few hundred bytes to this thread once; a real per-frame allocation
        // shows in every window. (NativeAOT on the device has no JIT at all.)
        long allocated = 0;
        for (int window = 0; window < 3; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) pre.Run(image.View, tensor);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0) break;
        }
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void PipelinesSplittingRowsAtTheSameTimeStayCorrect()
    {
        // The helper thread is one per process: when two preprocessors want it at once, one of
        // them runs its rows alone. Four threads, 60 frames each, every tensor checked.
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = Enumerable.Range(0, 4).Select(k => new Thread(() =>
        {
            try
            {
                var format = k % 2 == 0 ? PixelFormat.Nv12 : PixelFormat.Yuyv;
                var plan = new PreprocessPlan { Width = 96, Height = 80, Layout = k < 2 ? TensorLayout.Nchw : TensorLayout.Nhwc, Scale = [1 / 127.5f], Offset = [-1f] };
                var fast = new Vector128Preprocessor(plan, splitPixels: 0);
                var rng = new Random(k);
                for (int frame = 0; frame < 60; frame++)
                {
                    var image = MakeImage(rng, format, 400 + 2 * k, 300 + k, 8, Content.Random);
                    var expected = new byte[plan.TensorBytes];
                    var actual = new byte[plan.TensorBytes];
                    new ScalarPreprocessor(plan).Run(image.View, expected);
                    fast.Run(image.View, actual);
                    var e = MemoryMarshal.Cast<byte, float>(expected);
                    var a = MemoryMarshal.Cast<byte, float>(actual);
                    for (int i = 0; i < e.Length; i++)
                        if (!(Math.Abs(e[i] - a[i]) <= 1e-5f)) { failures.Enqueue($"thread {k} frame {frame}: float {i} is {a[i]}, reference {e[i]}"); return; }
                }
            }
            catch (Exception e)
            {
                failures.Enqueue($"thread {k}: {e}");
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
    }
}

[Collection(nameof(SerialTests))]
public class RowSplittingAllocationTests
{
    [Fact]
    public void SplitFramesAllocateNothingOnEitherThread()
    {
        // This thread's allocations, and the helper's as it reports them itself (a process-wide
        // count would also see the test runner's own threads).
        var image = Vector128PreprocessorTests.MakeImage(new Random(2), PixelFormat.Nv12, 1280, 720, 0, Vector128PreprocessorTests.Content.Random);
        var pre = new Vector128Preprocessor(new PreprocessPlan { Width = 224, Height = 224, Layout = TensorLayout.Nchw }, splitPixels: 0);
        var tensor = new byte[pre.Plan.TensorBytes];
        for (int i = 0; i < 10; i++) pre.Run(image.View, tensor);
        long allocated = 0, helperAllocated = 0, helperRows = 0;
        for (int window = 0; window < 3; window++)
        {
            var before = Vector128Preprocessor.RowSplitting;
            long mine = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++) pre.Run(image.View, tensor);
            allocated = GC.GetAllocatedBytesForCurrentThread() - mine;
            var after = Vector128Preprocessor.RowSplitting;
            helperAllocated = after.HelperAllocatedBytes - before.HelperAllocatedBytes;
            helperRows += after.HelperRows - before.HelperRows;
            Assert.True(after.Frames - before.Frames >= 50, $"frames offered to the helper: {after.Frames - before.Frames}");
            if (allocated == 0 && helperAllocated == 0) break;
        }
        Assert.Equal(0, allocated);
        Assert.Equal(0, helperAllocated);
        Assert.True(helperRows > 0, "the helper thread never took a row");
    }
}
