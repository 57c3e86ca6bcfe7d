using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Fills one tensor row of interpolated R, G, B (tensor column order, padded width) from the
/// converted source rows, four tensor columns a step. Each sums its taps in exactly the order
/// and with exactly the weights the scalar reference uses, so float results are bit-identical
/// and uint8/int8 rounding agrees. Area gathers column taps lane by lane (Vector128 has no
/// portable gather); bilinear reads rows the cache already gathered through its two column taps.
/// </summary>
internal static class RowResamplers
{
    public static void Resample(ResizeTables t, scoped in ImageView source, int dy, in YuvCoefficients yuv)
    {
        switch (t.Mode)
        {
            case Interpolation.Nearest: Nearest(t, source, dy, yuv); break;
            case Interpolation.Bilinear: Bilinear(t, source, dy, yuv); break;
            default: Area(t, source, dy, yuv); break;
        }
    }

    private static void Nearest(ResizeTables t, scoped in ImageView source, int dy, in YuvCoefficients yuv)
    {
        int slot = t.Rows.Get(source, t.Y.Index[dy], t.ColumnStart, yuv);
        float[] r = t.Rows.R(slot), g = t.Rows.G(slot), b = t.Rows.B(slot);
        int[] idx = t.X.Index;
        for (int q = 0; q < t.X.Count; q++)
        {
            int s = idx[q];
            t.OutR[q] = r[s];
            t.OutG[q] = g[s];
            t.OutB[q] = b[s];
        }
    }

    private static void Bilinear(ResizeTables t, scoped in ImageView source, int dy, in YuvCoefficients yuv)
    {
        int stride = t.X.Stride;
        float[] top = t.Rows.Gathered(t.Rows.Get(source, t.Y.Index[dy], t.ColumnStart, yuv));
        float[] bottom = t.Rows.Gathered(t.Rows.Get(source, t.Y.Index[t.Y.Stride + dy], t.ColumnStart, yuv));
        float wy = t.Y.WeightF[dy];
        // The reference's weights: (1-wx)(1-wy), wx(1-wy), (1-wx)wy, wx*wy, summed in that order.
        var vwy = Vector128.Create(wy);
        var vwy1 = Vector128.Create(1 - wy);
        ref float wxRef = ref MemoryMarshal.GetArrayDataReference(t.X.WeightF);
        ref float pt = ref MemoryMarshal.GetArrayDataReference(top);
        ref float pb = ref MemoryMarshal.GetArrayDataReference(bottom);
        ref float outR = ref MemoryMarshal.GetArrayDataReference(t.OutR);
        ref float outG = ref MemoryMarshal.GetArrayDataReference(t.OutG);
        ref float outB = ref MemoryMarshal.GetArrayDataReference(t.OutB);
        for (int q = 0; q < stride; q += 4)
        {
            var wx = Vector128.LoadUnsafe(ref wxRef, (nuint)q);
            var ax = Vector128<float>.One - wx;
            var w00 = ax * vwy1;
            var w10 = wx * vwy1;
            var w01 = ax * vwy;
            var w11 = wx * vwy;
            // Gathered layout: channel c, tap k at (2c + k) * stride.
            Blend(ref pt, ref pb, q, stride, w00, w10, w01, w11).StoreUnsafe(ref outR, (nuint)q);
            Blend(ref pt, ref pb, q + 2 * stride, stride, w00, w10, w01, w11).StoreUnsafe(ref outG, (nuint)q);
            Blend(ref pt, ref pb, q + 4 * stride, stride, w00, w10, w01, w11).StoreUnsafe(ref outB, (nuint)q);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Blend(ref float top, ref float bottom, int at, int stride,
        Vector128<float> w00, Vector128<float> w10, Vector128<float> w01, Vector128<float> w11) =>
        Vector128.LoadUnsafe(ref top, (nuint)at) * w00 + Vector128.LoadUnsafe(ref top, (nuint)(at + stride)) * w10
        + Vector128.LoadUnsafe(ref bottom, (nuint)at) * w01 + Vector128.LoadUnsafe(ref bottom, (nuint)(at + stride)) * w11;

    private static void Area(ResizeTables t, scoped in ImageView source, int dy, in YuvCoefficients yuv)
    {
        int ky = t.Y.Taps, kx = t.X.Taps, xs = t.X.Stride, ys = t.Y.Stride;
        // Convert every tap row first; the cache has one slot per tap row, so none evicts another.
        Span<int> slots = stackalloc int[ResizeTables.MaxAreaTaps];
        Span<double> wys = stackalloc double[ResizeTables.MaxAreaTaps];
        int rows = 0;
        for (int j = 0; j < ky; j++)
        {
            double wy = t.Y.WeightD[j * ys + dy];
            if (wy == 0) continue; // the reference skips it; adding its zero-weight taps would change nothing
            slots[rows] = t.Rows.Get(source, t.Y.Index[j * ys + dy], t.ColumnStart, yuv);
            wys[rows++] = wy;
        }
        ref int idx = ref MemoryMarshal.GetArrayDataReference(t.X.Index);
        ref double wxs = ref MemoryMarshal.GetArrayDataReference(t.X.WeightD);
        for (int q = 0; q < xs; q += 4)
        {
            Vector128<float> r = default, g = default, b = default;
            Vector128<double> total0 = default, total1 = default;
            for (int j = 0; j < rows; j++)
            {
                var wy = Vector128.Create(wys[j]);
                ref float pr = ref MemoryMarshal.GetArrayDataReference(t.Rows.R(slots[j]));
                ref float pg = ref MemoryMarshal.GetArrayDataReference(t.Rows.G(slots[j]));
                ref float pb = ref MemoryMarshal.GetArrayDataReference(t.Rows.B(slots[j]));
                for (int i = 0; i < kx; i++)
                {
                    int o = i * xs + q;
                    // (float)(wx * wy) per tap and a double running total, as the reference does.
                    var p0 = Vector128.LoadUnsafe(ref wxs, (nuint)o) * wy;
                    var p1 = Vector128.LoadUnsafe(ref wxs, (nuint)(o + 2)) * wy;
                    total0 += p0;
                    total1 += p1;
                    var w = Vector128.Narrow(p0, p1);
                    ref int at = ref Unsafe.Add(ref idx, o);
                    r += Gather(ref pr, ref at) * w;
                    g += Gather(ref pg, ref at) * w;
                    b += Gather(ref pb, ref at) * w;
                }
            }
            var inv = Vector128.Narrow(Vector128<double>.One / total0, Vector128<double>.One / total1);
            (r * inv).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(t.OutR), (nuint)q);
            (g * inv).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(t.OutG), (nuint)q);
            (b * inv).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(t.OutB), (nuint)q);
        }
    }

    /// <summary>Four floats from four table indices (tables guarantee the indices are in range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Gather(ref float plane, ref int at) => Vector128.Create(
        Unsafe.Add(ref plane, at),
        Unsafe.Add(ref plane, Unsafe.Add(ref at, 1)),
        Unsafe.Add(ref plane, Unsafe.Add(ref at, 2)),
        Unsafe.Add(ref plane, Unsafe.Add(ref at, 3)));
}
