using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeCam.Bench;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Preprocessing;

// Frame-to-tensor, side by side, one process, the same frames: EdgeCam's fast path and scalar
// reference against the best libyuv and OpenCV compositions and a memcpy floor. Medians of many
// runs; ratios against the better correct library composition (every row is a downscale beyond
// 2x, where only a box/area filter is correct: libyuv box and OpenCV INTER_AREA; libyuv's ARGB
// bilinear composition aliases there and is timed for comparison only, see
// BenchmarkCompositionTests). Usage: dotnet run -c Release -- [iterations] [only rows containing this text]
int iterations = args.Length > 0 ? int.Parse(args[0]) : 60;
string only = args.Length > 1 ? args[1] : "";
(int W, int H)[] sources = [(640, 480), (1280, 720), (1920, 1080)];
(string Name, int W, int H, TensorLayout Layout)[] targets = [("128x128 NHWC", 128, 128, TensorLayout.Nhwc), ("224x224 NCHW", 224, 224, TensorLayout.Nchw)];
const float Scale = 1 / 127.5f, Offset = -1f;

Console.WriteLine($"| source | tensor | {string.Join(" | ", Impl.Names)} | fast vs scalar | 1 thread vs best correct library | 2 threads vs best correct library | 1 thread vs libyuv bilinear |");
Console.WriteLine($"|---|---|{string.Concat(Enumerable.Repeat("---|", Impl.Names.Length))}---|---|---|---|");
foreach (var (w, h) in sources)
foreach (var nv12 in new[] { false, true })
foreach (var t in targets)
{
    if (!$"{w}x{h} {(nv12 ? "NV12" : "YUYV")} {t.Name}".Contains(only)) continue;
    var rng = new Random(w + h);
    byte[] frame = new byte[nv12 ? w * h * 3 / 2 : w * h * 2];
    rng.NextBytes(frame);
    var format = nv12 ? PixelFormat.Nv12 : PixelFormat.Yuyv;
    var plan = new PreprocessPlan { Width = t.W, Height = t.H, Layout = t.Layout, Scale = [Scale], Offset = [Offset] };
    var tensor = new float[plan.TensorBytes / 4];
    var fast = new Vector128Preprocessor(plan, splitPixels: int.MaxValue);
    var split = new Vector128Preprocessor(plan, splitPixels: 0);
    var scalar = new ScalarPreprocessor(plan);
    byte[] copy = new byte[frame.Length];
    int stride = nv12 ? w : w * 2;
    var runs = new Action[]
    {
        () => fast.Run(new ImageView(frame, w, h, stride, format), MemoryMarshal.AsBytes(tensor.AsSpan())),
        () => split.Run(new ImageView(frame, w, h, stride, format), MemoryMarshal.AsBytes(tensor.AsSpan())),
        () => scalar.Run(new ImageView(frame, w, h, stride, format), MemoryMarshal.AsBytes(tensor.AsSpan())),
        () => NativeReference.LibYuvBoxPipeline(frame, w, h, nv12, t.W, t.H, t.Layout == TensorLayout.Nchw, Scale, Offset, tensor),
        () => NativeReference.OpenCvPipeline(frame, w, h, nv12, t.W, t.H, t.Layout == TensorLayout.Nchw, Scale, Offset, tensor),
        () => NativeReference.Copy(frame, copy),
        () => NativeReference.LibYuvPipeline(frame, w, h, nv12, t.W, t.H, t.Layout == TensorLayout.Nchw, Scale, Offset, tensor),
    };
    var medians = runs.Select((run, i) => Median(run, i == 2 ? Math.Max(5, iterations / 6) : iterations)).ToArray();
    double bestLibrary = Math.Min(medians[3], medians[4]);
    Console.WriteLine($"| {w}x{h} {(nv12 ? "NV12" : "YUYV")} | {t.Name} | {string.Join(" | ", medians.Select(m => $"{m:0.000}"))} | " +
                      $"{medians[2] / medians[0]:0.0}x | {bestLibrary / medians[0]:0.00}x | {bestLibrary / medians[1]:0.00}x | {medians[6] / medians[0]:0.00}x |");
}
var shared = Vector128Preprocessor.RowSplitting;
Console.WriteLine();
Console.WriteLine($"Rows offered to the helper thread: {shared.Rows:N0} in {shared.Frames:N0} frames; it computed {shared.HelperRows:N0} " +
                  $"({(shared.Rows > 0 ? 100.0 * shared.HelperRows / shared.Rows : 0):0}%); the rest ran on the calling thread.");
Console.WriteLine($"Times are medians in ms. Vector128 hardware-accelerated: {Vector128.IsHardwareAccelerated}; fast path: {Impl.FastName}.");

static double Median(Action run, int n)
{
    for (int i = 0; i < 3; i++) run(); // warm-up: JIT tiers, caches, lazily built tables
    var samples = new double[n];
    for (int i = 0; i < n; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        run();
        samples[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }
    Array.Sort(samples);
    return samples[n / 2];
}

internal static class Impl
{
    public static readonly string[] Names = ["EdgeCam fast, 1 thread", "EdgeCam fast, 2 threads", "EdgeCam scalar", "libyuv box", "OpenCV area", "memcpy floor", "libyuv bilinear (aliases)"];
    public static string FastName => "Vector128Preprocessor (2 threads: every frame's rows shared with the helper thread)";
}
