namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Everything one source size needs: the fit, the effective interpolation, both axes' taps, the
/// converted-row cache and the tensor-row scratch. Built on the first frame of a size and kept
/// until the size changes, so steady-state frames allocate nothing.
/// </summary>
internal sealed class ResizeTables
{
    /// <summary>Area footprints wider than this per axis are left to the scalar reference (the
    /// row cache would hold that many full source rows).</summary>
    public const int MaxAreaTaps = 32;

    public readonly int SourceWidth, SourceHeight;
    public readonly FitGeometry Fit;
    public readonly Interpolation Mode;
    public readonly InputMapping Mapping;
    public readonly AxisTaps X, Y;
    /// <summary>First source column converted (even, so 4:2:x chroma pairs start aligned) and how many.</summary>
    public readonly int ColumnStart, ColumnCount;
    public readonly bool Accelerated;
    public readonly SourceRowCache Rows;
    /// <summary>Area on YUV sources: the integer box filter, built for the first frame's format.</summary>
    public YuvBoxFilter? Box;
    /// <summary>One tensor row of interpolated R, G, B (padded width).</summary>
    public readonly float[] OutR, OutG, OutB;
    /// <summary>When rows are split across two threads (Area on YUV), the helper thread's own box
    /// filter and output row, built on the first split frame.</summary>
    public YuvBoxFilter? HelperBox;
    public float[] HelperR = [], HelperG = [], HelperB = [];

    public ResizeTables(PreprocessPlan plan, int sourceWidth, int sourceHeight)
    {
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        Fit = FitGeometry.Compute(plan, sourceWidth, sourceHeight);
        Mode = ScalarPreprocessor.EffectiveInterpolation(plan.Interpolation, Fit);
        Mapping = Fit.Mapping(plan, sourceWidth, sourceHeight);
        bool mirrorX = plan.FlipHorizontal ^ plan.Rotate180, mirrorY = plan.Rotate180;
        X = AxisTaps.Build(Mode, Fit.SrcX, Fit.ScaleX, Fit.DstWidth, Fit.RegionX, Fit.RegionX + Fit.RegionWidth - 1, mirrorX);
        Y = AxisTaps.Build(Mode, Fit.SrcY, Fit.ScaleY, Fit.DstHeight, Fit.RegionY, Fit.RegionY + Fit.RegionHeight - 1, mirrorY);
        Accelerated = X.Taps <= MaxAreaTaps && Y.Taps <= MaxAreaTaps;
        ColumnStart = X.Min & ~1;
        ColumnCount = X.Max - ColumnStart + 1;
        X.Rebase(ColumnStart);
        Rows = new SourceRowCache(Accelerated ? Y.Taps : 0, ColumnCount, Mode == Interpolation.Bilinear ? X : null);
        OutR = new float[X.Stride];
        OutG = new float[X.Stride];
        OutB = new float[X.Stride];
    }
}
