using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Area filter for YUV sources that works on the raw 8-bit samples and converts only tensor
/// pixels, the reference's convention for Area on YUV (<see cref="ScalarPreprocessor"/>,
/// <see cref="AreaWeights"/>). Per tensor row:
/// <list type="number">
/// <item>vertical: the footprint's source rows are summed with their integer weights into one
/// 16-bit row of sums, sixteen bytes a step (widen, multiply, add), straight from the frame's
/// bytes: YUYV/UYVY rows as they are (Y and chroma bytes alike), NV12/NV21/I420 luma and chroma
/// planes separately (a chroma row's weight is the sum of the luma rows it serves);</item>
/// <item>horizontal: each tensor column sums its footprint's luma and chroma sums with the
/// column weights (precomputed offsets; chroma taps of one pair merged), in 32-bit integers;</item>
/// <item>the average Y, Cb, Cr of four tensor columns at a time is converted to RGB with the
/// reference's operations in the reference's order.</item>
/// </list>
/// Integer sums are exact in any order, so results equal the reference's. Built per source size
/// and format; allocates nothing per frame.
/// </summary>
internal sealed class YuvBoxFilter
{
    public readonly PixelFormat Format;
    private readonly int _unitY;
    private readonly int _lumaStart, _lumaBytes, _chromaStart, _chromaBytes;
    private readonly ushort[] _sums;        // luma sums, then chroma sums (I420: U sums, then V sums)
    private readonly int[] _lumaFirst, _lumaOffset, _lumaWeight;       // per column: taps [first[q], first[q+1])
    private readonly int[] _chromaFirst, _uOffset, _vOffset, _chromaWeight;
    private readonly int[] _totalX;         // per column: sum of its weights (padding columns: 1)
    private readonly int[] _sumY, _sumU, _sumV; // one tensor row of horizontal sums (padded width)

    public static bool Handles(PixelFormat format) => PixelReader.IsYuv(format);

    public YuvBoxFilter(ResizeTables t, PixelFormat format)
    {
        Format = format;
        _unitY = AreaWeights.Unit(t.Fit.ScaleY);
        int unitX = AreaWeights.Unit(t.Fit.ScaleX);
        int cs = t.ColumnStart, cc = t.ColumnCount, pairs = (cc + 1) >> 1;
        bool packed = format is PixelFormat.Yuyv or PixelFormat.Uyvy;
        // Spans of bytes one row contributes (ColumnStart is even: pairs and quads start aligned).
        (_lumaStart, _lumaBytes) = packed ? (2 * cs, 4 * pairs) : (cs, cc);
        (_chromaStart, _chromaBytes) = format switch
        {
            PixelFormat.Nv12 or PixelFormat.Nv21 => (cs, 2 * pairs),
            PixelFormat.I420 => (cs >> 1, pairs),
            _ => (0, 0),
        };
        _sums = new ushort[_lumaBytes + (format == PixelFormat.I420 ? 2 : 1) * _chromaBytes];

        var x = t.X;
        int stride = x.Stride;
        _lumaFirst = new int[stride + 1];
        _chromaFirst = new int[stride + 1];
        _lumaOffset = new int[x.Count * x.Taps];
        _lumaWeight = new int[x.Count * x.Taps];
        _uOffset = new int[x.Count * x.Taps];
        _vOffset = new int[x.Count * x.Taps];
        _chromaWeight = new int[x.Count * x.Taps];
        _totalX = new int[stride];
        int nl = 0, nc = 0;
        for (int q = 0; q < stride; q++)
        {
            _lumaFirst[q] = nl;
            _chromaFirst[q] = nc;
            if (q >= x.Count)
            {
                _totalX[q] = 1;
                continue;
            }
            for (int k = 0; k < x.Taps; k++)
            {
                int w = AreaWeights.Weight(x.WeightD[k * stride + q], unitX);
                if (w == 0) continue;
                int rel = x.Index[k * stride + q]; // relative to ColumnStart
                var (yo, uo, vo) = Offsets(format, rel);
                _lumaOffset[nl] = yo;
                _lumaWeight[nl++] = w;
                if (nc > _chromaFirst[q] && _uOffset[nc - 1] == uo)
                    _chromaWeight[nc - 1] += w; // the pixel shares its neighbour's chroma sample
                else
                {
                    _uOffset[nc] = uo;
                    _vOffset[nc] = vo;
                    _chromaWeight[nc++] = w;
                }
                _totalX[q] += w;
            }
        }
        _lumaFirst[stride] = nl;
        _chromaFirst[stride] = nc;
        _sumY = new int[stride];
        _sumU = new int[stride];
        _sumV = new int[stride];
    }

    // Where the vertical sums of pixel rel's Y, Cb and Cr samples live in _sums.
    private (int, int, int) Offsets(PixelFormat format, int rel)
    {
        int pair = rel & ~1;
        return format switch
        {
            PixelFormat.Yuyv => (2 * rel, 2 * pair + 1, 2 * pair + 3),
            PixelFormat.Uyvy => (2 * rel + 1, 2 * pair, 2 * pair + 2),
            PixelFormat.Nv12 => (rel, _lumaBytes + pair, _lumaBytes + pair + 1),
            PixelFormat.Nv21 => (rel, _lumaBytes + pair + 1, _lumaBytes + pair),
            _ => (rel, _lumaBytes + (rel >> 1), _lumaBytes + _chromaBytes + (rel >> 1)),
        };
    }

    /// <summary>Tensor row <paramref name="dy"/>'s averaged colours into t.OutR/G/B.</summary>
    public void Row(ResizeTables t, scoped in ImageView s, int dy, in RowConverters.YuvVectors yuv)
    {
        int totalY = SumRows(t.Y, s, dy);
        SumColumns(t.X.Count);
        var rows = Vector128.Create(totalY);
        ref int pt = ref MemoryMarshal.GetArrayDataReference(_totalX);
        ref int py = ref MemoryMarshal.GetArrayDataReference(_sumY);
        ref int pu = ref MemoryMarshal.GetArrayDataReference(_sumU);
        ref int pv = ref MemoryMarshal.GetArrayDataReference(_sumV);
        for (int q = 0; q < _totalX.Length; q += 4)
        {
            // The reference: inv = 1f / total, then (float)sum * inv per channel.
            var inv = Vector128<float>.One / Vector128.ConvertToSingle(Vector128.LoadUnsafe(ref pt, (nuint)q) * rows);
            yuv.ToRgb(Vector128.ConvertToSingle(Vector128.LoadUnsafe(ref py, (nuint)q)) * inv,
                Vector128.ConvertToSingle(Vector128.LoadUnsafe(ref pu, (nuint)q)) * inv,
                Vector128.ConvertToSingle(Vector128.LoadUnsafe(ref pv, (nuint)q)) * inv, t.OutR, t.OutG, t.OutB, q);
        }
    }

    // Vertical pass; returns the row weights' total.
    private int SumRows(AxisTaps y, scoped in ImageView s, int dy)
    {
        int total = 0, ys = y.Stride;
        var sums = _sums.AsSpan();
        var luma = sums[.._lumaBytes];
        // Chroma rows of 4:2:0 serve two luma rows: their weights merge (taps are consecutive rows).
        int chromaRow = -1, chromaWeight = 0;
        bool firstChroma = true;
        bool subsampled = _chromaBytes > 0;
        for (int j = 0; j < y.Taps; j++)
        {
            int w = AreaWeights.Weight(y.WeightD[j * ys + dy], _unitY);
            if (w == 0) continue;
            int sy = y.Index[j * ys + dy];
            Accumulate(s.Plane0.Slice(sy * s.Stride0 + _lumaStart, _lumaBytes), luma, (ushort)w, total == 0);
            total += w;
            if (!subsampled) continue;
            if ((sy >> 1) == chromaRow)
            {
                chromaWeight += w;
                continue;
            }
            if (chromaRow >= 0)
            {
                AccumulateChroma(s, chromaRow, chromaWeight, firstChroma);
                firstChroma = false;
            }
            chromaRow = sy >> 1;
            chromaWeight = w;
        }
        if (subsampled) AccumulateChroma(s, chromaRow, chromaWeight, firstChroma);
        return total;
    }

    private void AccumulateChroma(scoped in ImageView s, int row, int w, bool first)
    {
        var chroma = _sums.AsSpan(_lumaBytes);
        if (Format == PixelFormat.I420)
        {
            Accumulate(s.Plane1.Slice(row * s.Stride1 + _chromaStart, _chromaBytes), chroma[.._chromaBytes], (ushort)w, first);
            Accumulate(s.Plane2.Slice(row * s.Stride2 + _chromaStart, _chromaBytes), chroma.Slice(_chromaBytes, _chromaBytes), (ushort)w, first);
            return;
        }
        Accumulate(s.Plane1.Slice(row * s.Stride1 + _chromaStart, _chromaBytes), chroma[.._chromaBytes], (ushort)w, first);
    }

    /// <summary>sums = (first ? 0 : sums) + w * src, sixteen bytes a step; weights keep it within 16 bits.</summary>
    private static void Accumulate(ReadOnlySpan<byte> src, Span<ushort> sums, ushort w, bool first)
    {
        int n = src.Length, i = 0;
        ref byte ps = ref MemoryMarshal.GetReference(src);
        ref ushort pa = ref MemoryMarshal.GetReference(sums);
        var vw = Vector128.Create(w);
        if (first)
        {
            for (; i + 16 <= n; i += 16)
            {
                var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref ps, (nuint)i));
                (lo * vw).StoreUnsafe(ref pa, (nuint)i);
                (hi * vw).StoreUnsafe(ref pa, (nuint)(i + 8));
            }
            for (; i < n; i++) Unsafe.Add(ref pa, i) = (ushort)(Unsafe.Add(ref ps, i) * w);
            return;
        }
        for (; i + 16 <= n; i += 16)
        {
            var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref ps, (nuint)i));
            (Vector128.LoadUnsafe(ref pa, (nuint)i) + lo * vw).StoreUnsafe(ref pa, (nuint)i);
            (Vector128.LoadUnsafe(ref pa, (nuint)(i + 8)) + hi * vw).StoreUnsafe(ref pa, (nuint)(i + 8));
        }
        for (; i < n; i++) Unsafe.Add(ref pa, i) += (ushort)(Unsafe.Add(ref ps, i) * w);
    }

    // Horizontal pass over the vertical sums, per tensor column.
    private void SumColumns(int count)
    {
        ref ushort sums = ref MemoryMarshal.GetArrayDataReference(_sums);
        ref int lo = ref MemoryMarshal.GetArrayDataReference(_lumaOffset);
        ref int lw = ref MemoryMarshal.GetArrayDataReference(_lumaWeight);
        ref int uo = ref MemoryMarshal.GetArrayDataReference(_uOffset);
        ref int vo = ref MemoryMarshal.GetArrayDataReference(_vOffset);
        ref int cw = ref MemoryMarshal.GetArrayDataReference(_chromaWeight);
        for (int q = 0; q < count; q++)
        {
            int y = 0, u = 0, v = 0;
            for (int k = _lumaFirst[q], end = _lumaFirst[q + 1]; k < end; k++)
                y += Unsafe.Add(ref lw, k) * Unsafe.Add(ref sums, Unsafe.Add(ref lo, k));
            for (int k = _chromaFirst[q], end = _chromaFirst[q + 1]; k < end; k++)
            {
                int w = Unsafe.Add(ref cw, k);
                u += w * Unsafe.Add(ref sums, Unsafe.Add(ref uo, k));
                v += w * Unsafe.Add(ref sums, Unsafe.Add(ref vo, k));
            }
            _sumY[q] = y;
            _sumU[q] = u;
            _sumV[q] = v;
        }
    }
}
