using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Tests.Shared;

// The fast preprocessing path against the scalar reference on this machine's vectors: random raw
// frames of every pixel format (every byte combination, so YUV out of gamut too), odd sizes,
// padded strides, random plans (every layout, order, element type, resize mode, interpolation,
// colour space, flip/rotation, crop), and camera-sized YUV frames with their rows split across two
// threads. uint8/int8 must be equal, float32 within 1e-5 — the same bar as the xunit property
// tests on x64. Prints one line per failure and a summary; exit code 1 on any mismatch.
// Usage: preprocess-check [cases]
int cases = args.Length > 0 ? int.Parse(args[0]) : 600;
var rng = new Random(20261201);
var formats = Enum.GetValues<PixelFormat>();
int checkedCount = 0, failures = 0;

for (int n = 0; n < cases; n++)
{
    var format = formats[n % formats.Length];
    int w = rng.Next(1, 68), h = rng.Next(1, 44);
    var (frame, stride) = RandomFrame(format, w, h, rng.Next(3) == 0 ? 0 : rng.Next(1, 10));
    var plan = PreprocessingCases.RandomPlan(rng) with { SourceCrop = PreprocessingCases.RandomCrop(rng, w, h) };
    Check(plan, new ImageView(frame, w, h, stride, format), n % 2 == 0 ? 0 : int.MaxValue, $"case {n}: {format} {w}x{h} stride {stride}");
}
foreach (var (format, w, h, tw, th, layout) in new[]
{
    (PixelFormat.Yuyv, 640, 480, 128, 128, TensorLayout.Nhwc), (PixelFormat.Nv12, 1280, 720, 224, 224, TensorLayout.Nchw),
    (PixelFormat.Uyvy, 1920, 1080, 128, 128, TensorLayout.Nhwc), (PixelFormat.I420, 1280, 720, 224, 224, TensorLayout.Nchw),
})
{
    var (frame, stride) = RandomFrame(format, w, h, 32);
    var plan = new PreprocessPlan { Width = tw, Height = th, Layout = layout, Scale = [1 / 127.5f], Offset = [-1f] };
    Check(plan, new ImageView(frame, w, h, stride, format), 0, $"{format} {w}x{h} -> {tw}x{th} (rows split)");
    Check(plan with { Interpolation = Interpolation.Nearest }, new ImageView(frame, w, h, stride, format), int.MaxValue, $"{format} {w}x{h} -> {tw}x{th} nearest");
}

Console.WriteLine($"preprocess-check: {RuntimeInformation.ProcessArchitecture}, Vector128 accelerated {Vector128.IsHardwareAccelerated}, " +
                  $"AdvSimd {AdvSimd.IsSupported}: {checkedCount} cases, {failures} mismatches");
return failures == 0 ? 0 : 1;

void Check(PreprocessPlan plan, ImageView view, int splitPixels, string what)
{
    checkedCount++;
    var expected = new byte[plan.TensorBytes];
    var actual = new byte[plan.TensorBytes];
    actual.AsSpan().Fill(0xA5);
    var expectedMap = new ScalarPreprocessor(plan).Run(view, expected);
    var actualMap = new Vector128Preprocessor(plan, splitPixels).Run(view, actual);
    string? problem = null;
    if (expectedMap != actualMap) problem = $"mapping {actualMap} != {expectedMap}";
    else if (plan.Element != TensorElement.Float32)
    {
        int i = expected.AsSpan().CommonPrefixLength(actual);
        if (i != expected.Length) problem = $"byte {i} is {actual[i]}, reference {expected[i]}";
    }
    else
    {
        var e = MemoryMarshal.Cast<byte, float>(expected);
        var a = MemoryMarshal.Cast<byte, float>(actual);
        for (int i = 0; i < e.Length && problem is null; i++)
            if (!(Math.Abs(e[i] - a[i]) <= 1e-5f)) problem = $"float {i} is {a[i]:R}, reference {e[i]:R}";
    }
    if (problem is null) return;
    failures++;
    Console.WriteLine($"MISMATCH {what} -> {plan}: {problem}");
}

(byte[] Frame, int Stride) RandomFrame(PixelFormat format, int w, int h, int padding)
{
    var (stride, size) = PreprocessingCases.Layout(format, w, h, padding);
    var frame = new byte[size];
    rng.NextBytes(frame);
    return (frame, stride);
}
