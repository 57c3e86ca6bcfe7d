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
/// changes. Not thread-safe (one instance per pipeline, like the tensor buffer it fills).
/// </summary>
public sealed class Vector128Preprocessor : IPreprocessor
{
    private readonly ScalarPreprocessor _scalar;
    private readonly TensorRowWriter _rows;
    private readonly YuvCoefficients _yuv;
    private ResizeTables? _tables;

    public Vector128Preprocessor(PreprocessPlan plan)
    {
        Plan = PlanCheck.Validated(plan);
        _scalar = new ScalarPreprocessor(plan);
        _rows = new TensorRowWriter(plan);
        _yuv = YuvCoefficients.For(plan.YuvColorSpace);
    }

    public PreprocessPlan Plan { get; }

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
        YuvBoxFilter? box = null;
        if (t.Mode == Interpolation.Area && YuvBoxFilter.Handles(source.Format))
            box = t.Box is { } built && built.Format == source.Format ? built : t.Box = new YuvBoxFilter(t, source.Format);
        var yuv = new RowConverters.YuvVectors(_yuv);
        for (int oy = 0; oy < fit.DstY; oy++) _rows.Pad(tensor, oy, 0, Plan.Width);
        for (int dy = 0; dy < fit.DstHeight; dy++)
        {
            int oy = fit.DstY + dy;
            if (box is not null) box.Row(t, source, dy, yuv);
            else RowResamplers.Resample(t, source, dy, _yuv);
            _rows.Pad(tensor, oy, 0, fit.DstX);
            _rows.Write(tensor, oy, fit.DstX, fit.DstWidth, t.OutR, t.OutG, t.OutB);
            _rows.Pad(tensor, oy, fit.DstX + fit.DstWidth, Plan.Width);
        }
        for (int oy = fit.DstY + fit.DstHeight; oy < Plan.Height; oy++) _rows.Pad(tensor, oy, 0, Plan.Width);
        return t.Mapping;
    }
}
