using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// The fast frame-to-tensor pass, written against the portable Vector128 API (NEON on arm64,
/// SSE on x64, a software fallback elsewhere). Same results as <see cref="ScalarPreprocessor"/>
/// (same conventions, same arithmetic order: float outputs bit-identical in practice, uint8/int8
/// equal), but structured for speed:
/// <list type="number">
/// <item>per source size, once: the fit and per-axis tap tables (indices with crop, clamp, flip
/// and rotation folded in; weights) — <see cref="ResizeTables"/>;</item>
/// <item>Area on YUV sources instead filters the raw samples in 16-bit integer lanes and converts
/// only tensor pixels — <see cref="YuvBoxFilter"/>;</item>
/// <item>otherwise per frame, per source row actually read: the needed column span converted once to
/// planar float R, G, B — <see cref="RowConverters"/>, cached in <see cref="SourceRowCache"/>;</item>
/// <item>per tensor row: taps gathered and blended four columns a step —
/// <see cref="RowResamplers"/>; then normalised and stored — <see cref="TensorRowWriter"/>.</item>
/// </list>
/// Steady state allocates nothing: buffers live in the tables, rebuilt only when the source size
/// changes. Large YUV frames on the area path share their tensor rows with
/// <see cref="RowSplitter"/>'s helper thread, which has its own scratch (rows are independent, so
/// the result is the same). Not thread-safe (one instance per pipeline, like the tensor buffer it fills).
/// </summary>
public sealed unsafe class Vector128Preprocessor : IPreprocessor, IRowRangeWork
{
    /// <summary>Frames whose region has fewer source pixels than this run on one thread: waking the
    /// helper costs some 10-20 µs per frame on this VM, about what it saves on a frame a quarter of
    /// 640x480; from 640x480 (307,200) up the split took 25-45% off (bench/preprocess.sh, both
    /// columns; docs/BENCHMARKS.md).</summary>
    public const int DefaultSplitPixels = 300_000;

    private readonly ScalarPreprocessor _scalar;
    private readonly TensorRowWriter _rows;
    private readonly YuvCoefficients _yuv;
    private readonly int _splitPixels;
    private ResizeTables? _tables;
    // The frame being split, for the helper thread; valid only inside Run, while it is pinned.
    private byte* _plane0, _plane1, _plane2, _tensor;
    private int _length0, _length1, _length2, _tensorLength;
    private int _stride0, _stride1, _stride2, _width, _height;
    private PixelFormat _format;

    /// <param name="splitPixels">Source pixels from which a frame's rows are split across two
    /// threads (<see cref="DefaultSplitPixels"/>; 0: always, int.MaxValue: never). Only when the
    /// machine has more than one core.</param>
    public Vector128Preprocessor(PreprocessPlan plan, int splitPixels = DefaultSplitPixels)
    {
        Plan = PlanCheck.Validated(plan);
        _scalar = new ScalarPreprocessor(plan);
        _rows = new TensorRowWriter(plan);
        _yuv = YuvCoefficients.For(plan.YuvColorSpace);
        _splitPixels = RowSplitter.Worthwhile ? splitPixels : int.MaxValue;
    }

    public PreprocessPlan Plan { get; }

    /// <summary>Whether large frames may share their rows with the helper thread, process-wide
    /// (the helper is one per process); the device config's model.preprocessThreads sets it.</summary>
    public static bool HelperThreadAllowed
    {
        get => Volatile.Read(ref _helperThreadAllowed);
        set => Volatile.Write(ref _helperThreadAllowed, value);
    }
    private static bool _helperThreadAllowed = true;

    /// <summary>How much preprocessing the row helper thread has done in this process.</summary>
    public static RowSplitStatistics RowSplitting => RowSplitter.Shared.Statistics;

    /// <summary>
    /// Whether frames of <paramref name="format"/> take the vector path under
    /// <paramref name="plan"/>. Every pixel format, interpolation (Nearest, Bilinear, Area,
    /// including Bilinear's switch to Area), resize mode, crop, flip/rotation, layout, channel
    /// count and element type is handled; the one exception is decided per source size: an Area
    /// footprint wider than 32 source pixels per axis (a downscale beyond ~31x) runs on the
    /// scalar reference, because the row cache would have to hold that many full rows.
    /// </summary>
    public static bool IsAccelerated(PreprocessPlan plan, PixelFormat format) =>
        Enum.IsDefined(format) && Enum.IsDefined(plan.Interpolation) && Enum.IsDefined(plan.Element) && Enum.IsDefined(plan.Layout);

    public InputMapping Run(scoped in ImageView source, Span<byte> tensor)
    {
        PlanCheck.Tensor(Plan, tensor);
        var t = _tables;
        if (t is null || t.SourceWidth != source.Width || t.SourceHeight != source.Height)
            _tables = t = new ResizeTables(Plan, source.Width, source.Height);
        if (!t.Accelerated || !IsAccelerated(Plan, source.Format))
            return _scalar.Run(source, tensor);

        var fit = t.Fit;
        t.Rows.Reset();
        bool box = t.Mode == Interpolation.Area && YuvBoxFilter.Handles(source.Format);
        if (box && (t.Box is not { } built || built.Format != source.Format))
        {
            t.Box = new YuvBoxFilter(t, source.Format);
            t.HelperBox = null;
        }
        for (int oy = 0; oy < fit.DstY; oy++) _rows.Pad(tensor, oy, 0, Plan.Width);
        for (int oy = fit.DstY + fit.DstHeight; oy < Plan.Height; oy++) _rows.Pad(tensor, oy, 0, Plan.Width);
        if (box && fit.DstHeight > 1 && (long)fit.RegionWidth * fit.RegionHeight >= _splitPixels && HelperThreadAllowed)
        {
            if (t.HelperBox is null)
            {
                t.HelperBox = new YuvBoxFilter(t, source.Format);
                (t.HelperR, t.HelperG, t.HelperB) = (new float[t.OutR.Length], new float[t.OutR.Length], new float[t.OutR.Length]);
            }
            fixed (byte* p0 = source.Plane0, p1 = source.Plane1, p2 = source.Plane2, pt = tensor)
            {
                _plane0 = p0; _plane1 = p1; _plane2 = p2; _tensor = pt;
                (_length0, _length1, _length2, _tensorLength) = (source.Plane0.Length, source.Plane1.Length, source.Plane2.Length, tensor.Length);
                (_stride0, _stride1, _stride2) = (source.Stride0, source.Stride1, source.Stride2);
                (_width, _height, _format) = (source.Width, source.Height, source.Format);
                try
                {
                    RowSplitter.Shared.Run(this, fit.DstHeight);
                }
                finally
                {
                    _plane0 = _plane1 = _plane2 = _tensor = null;
                }
            }
        }
        else
        {
            Rows(t, source, tensor, 0, fit.DstHeight, helper: false);
        }
        return t.Mapping;
    }

    /// <summary>Rows [from, to) of a split frame: on the calling thread with the tables' own
    /// scratch, on the helper with the helper scratch.</summary>
    void IRowRangeWork.Rows(int from, int to, bool helper)
    {
        var source = new ImageView(new ReadOnlySpan<byte>(_plane0, _length0), _stride0, new ReadOnlySpan<byte>(_plane1, _length1), _stride1,
            new ReadOnlySpan<byte>(_plane2, _length2), _stride2, _width, _height, _format);
        Rows(_tables!, source, new Span<byte>(_tensor, _tensorLength), from, to, helper);
    }

    private void Rows(ResizeTables t, scoped in ImageView source, Span<byte> tensor, int from, int to, bool helper)
    {
        var fit = t.Fit;
        var yuv = new RowConverters.YuvVectors(_yuv);
        var (box, r, g, b) = helper ? (t.HelperBox, t.HelperR, t.HelperG, t.HelperB) : (t.Box, t.OutR, t.OutG, t.OutB);
        bool area = t.Mode == Interpolation.Area && YuvBoxFilter.Handles(source.Format);
        for (int dy = from; dy < to; dy++)
        {
            int oy = fit.DstY + dy;
            if (area) box!.Row(t, source, dy, yuv, r, g, b);
            else RowResamplers.Resample(t, source, dy, _yuv);
            _rows.Pad(tensor, oy, 0, fit.DstX);
            _rows.Write(tensor, oy, fit.DstX, fit.DstWidth, r, g, b);
            _rows.Pad(tensor, oy, fit.DstX + fit.DstWidth, Plan.Width);
        }
    }
}
