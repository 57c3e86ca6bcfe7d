namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Per-axis sampling taps for one plan and one source size, computed once and reused for every
/// frame of that size. Each tensor coordinate d (inside the fitted area) reads K source
/// coordinates with weights; flip, rotation and clamping to the sampled region are already folded
/// into the indices, so the per-frame loops never branch on them.
/// <para>Layout is tap-major (<c>[k * Stride + d]</c>) so that, for one tap, consecutive tensor
/// columns are consecutive in memory and load as one vector. The column axis is padded to a
/// multiple of 4 with weight-0 taps at a valid index: vector loops then need no scalar tail.</para>
/// <para>Weights follow <see cref="ScalarPreprocessor"/> bit for bit: bilinear fractions are
/// computed in double then cast to float; area edge weights stay double because the reference
/// multiplies them in double before casting (and sums the normaliser in double).</para>
/// </summary>
internal sealed class AxisTaps
{
    public int Count;         // tensor coordinates covered (DstWidth or DstHeight)
    public int Stride;        // Count rounded up to a multiple of 4
    public int Taps;          // K: taps per coordinate
    public int[] Index = [];  // source coordinate, absolute (rows) or relative to the converted span (columns)
    public float[] WeightF = [];  // bilinear: fraction towards the second tap
    public double[] WeightD = []; // area: footprint overlap, 0 for taps the reference skips

    /// <summary>Lowest and highest source coordinate any real tap reads.</summary>
    public int Min, Max;

    public static AxisTaps Build(Interpolation mode, double src, double scale, int count, int lo, int hi, bool mirror)
    {
        var t = new AxisTaps { Count = count, Stride = (count + 3) & ~3, Min = int.MaxValue, Max = int.MinValue };
        switch (mode)
        {
            case Interpolation.Nearest:
                t.Alloc(1, weights: false);
                for (int d = 0; d < count; d++)
                    t.Set(0, d, Mirror(Math.Clamp((int)Math.Floor(src + (d + 0.5) * scale), lo, hi), lo, hi, mirror));
                break;
            case Interpolation.Bilinear:
                t.Alloc(2, weights: true);
                for (int d = 0; d < count; d++)
                {
                    // Same expression and evaluation order as the reference, so wx/wy are identical.
                    double f = src + (d + 0.5) * scale - 0.5;
                    int i0 = (int)Math.Floor(f);
                    t.WeightF[d] = (float)(f - i0);
                    t.Set(0, d, Mirror(Math.Clamp(i0, lo, hi), lo, hi, mirror));
                    t.Set(1, d, Mirror(Math.Clamp(i0 + 1, lo, hi), lo, hi, mirror));
                }
                break;
            default:
            {
                int taps = 1;
                for (int d = 0; d < count; d++)
                {
                    var (a, b) = Footprint(src, scale, d);
                    int n = 0;
                    for (int s = (int)Math.Floor(a); s < b; s++) n++;
                    taps = Math.Max(taps, n);
                }
                t.Alloc(taps, weights: true);
                for (int d = 0; d < count; d++)
                {
                    var (a, b) = Footprint(src, scale, d);
                    int k = 0;
                    for (int s = (int)Math.Floor(a); s < b; s++, k++)
                    {
                        double w = Math.Min(s + 1, b) - Math.Max(s, a);
                        t.Set(k, d, Mirror(Math.Clamp(s, lo, hi), lo, hi, mirror));
                        t.WeightD[k * t.Stride + d] = w > 0 ? w : 0; // the reference skips w <= 0
                    }
                    // Unused taps: weight 0 at an index already read, so they add exactly nothing.
                    for (; k < taps; k++) t.Index[k * t.Stride + d] = t.Index[d];
                }
                break;
            }
        }
        // Padding columns read a real index with weight 0 (WeightD/WeightF arrays start zeroed).
        for (int k = 0; k < t.Taps; k++)
            for (int d = count; d < t.Stride; d++) t.Index[k * t.Stride + d] = t.Index[0];
        return t;
    }

    // The reference's area footprint [x0, x1) of tensor pixel d, same expression.
    private static (double, double) Footprint(double src, double scale, int d)
    {
        double a = src + d * scale;
        return (a, a + scale);
    }

    private void Alloc(int taps, bool weights)
    {
        Taps = taps;
        Index = new int[taps * Stride];
        if (weights)
        {
            WeightF = new float[Stride];
            WeightD = new double[taps * Stride];
        }
    }

    private void Set(int k, int d, int index)
    {
        Index[k * Stride + d] = index;
        Min = Math.Min(Min, index);
        Max = Math.Max(Max, index);
    }

    /// <summary>Makes column indices relative to the first converted column.</summary>
    public void Rebase(int origin)
    {
        for (int i = 0; i < Index.Length; i++) Index[i] -= origin;
    }

    private static int Mirror(int v, int lo, int hi, bool mirror) => mirror ? lo + hi - v : v;
}
