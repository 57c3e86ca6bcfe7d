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
/// <item>vertical (<see cref="YuvRowSums"/>): the footprint's source rows are summed with their
/// integer weights straight from the frame's bytes, sixteen bytes a step, into a 16-bit row of
/// luma sums and a 16-bit row of interleaved chroma-pair sums;</item>
/// <item>horizontal: each tensor column multiplies eight consecutive sums at a time by its
/// precomputed weight vector (zero outside its footprint) in 32-bit lanes and adds the lanes;</item>
/// <item>the average Y, Cb, Cr of four tensor columns at a time is converted to RGB with the
/// reference's operations in the reference's order.</item>
/// </list>
/// Integer sums are exact in any order, so results equal the reference's. Built per source size
/// and format; allocates nothing per frame.
/// </summary>
internal sealed class YuvBoxFilter
{
    public readonly PixelFormat Format;
    private readonly YuvRowSums _rows;
    private readonly bool _swapChroma;       // chroma pairs stored V, U (NV21)
    private readonly int _lumaChunks, _chromaChunks;
    private readonly int[] _lumaFirst, _chromaFirst; // per column: first luma sum / first chroma-pair sum read
    private readonly ushort[] _lumaWeights, _chromaWeights; // per column: chunks of 8 weights
    private readonly int[] _totalX;          // per column: sum of its weights (padding columns: 1)
    private readonly int[] _sumY, _sumU, _sumV; // one tensor row of weighted sums (padded width)

    public static bool Handles(PixelFormat format) => PixelReader.IsYuv(format);

    public YuvBoxFilter(ResizeTables t, PixelFormat format)
    {
        Format = format;
        _swapChroma = format == PixelFormat.Nv21;
        _rows = new YuvRowSums(format, t.ColumnStart, t.ColumnCount, AreaWeights.Unit(t.Fit.ScaleY));
        int unitX = AreaWeights.Unit(t.Fit.ScaleX);
        var x = t.X;
        int stride = x.Stride, count = x.Count;
        _lumaFirst = new int[stride];
        _chromaFirst = new int[stride];
        _totalX = new int[stride];
        _sumY = new int[stride];
        _sumU = new int[stride];
        _sumV = new int[stride];
        // Footprint extent per column (indices are relative to ColumnStart, which is even).
        int lumaSpan = 1, pairSpan = 1;
        for (int q = 0; q < count; q++)
        {
            int lo = int.MaxValue, hi = int.MinValue;
            for (int k = 0; k < x.Taps; k++)
            {
                if (AreaWeights.Weight(x.WeightD[k * stride + q], unitX) == 0) continue;
                lo = Math.Min(lo, x.Index[k * stride + q]);
                hi = Math.Max(hi, x.Index[k * stride + q]);
            }
            if (lo > hi) lo = hi = 0; // cannot happen (every footprint overlaps a pixel); keeps indices valid
            _lumaFirst[q] = lo;
            _chromaFirst[q] = lo >> 1;
            lumaSpan = Math.Max(lumaSpan, hi - lo + 1);
            pairSpan = Math.Max(pairSpan, (hi >> 1) - (lo >> 1) + 1);
        }
        _lumaChunks = (lumaSpan + 7) / 8;
        _chromaChunks = (pairSpan + 3) / 4;
        _lumaWeights = new ushort[stride * _lumaChunks * 8];
        _chromaWeights = new ushort[stride * _chromaChunks * 8];
        for (int q = 0; q < stride; q++)
        {
            if (q >= count)
            {
                _totalX[q] = 1;
                continue;
            }
            for (int k = 0; k < x.Taps; k++)
            {
                int w = AreaWeights.Weight(x.WeightD[k * stride + q], unitX);
                if (w == 0) continue;
                int i = x.Index[k * stride + q];
                // Taps repeat an index where clamping meets the region's edge: their weights add.
                _lumaWeights[q * _lumaChunks * 8 + i - _lumaFirst[q]] += (ushort)w;
                int pair = (i >> 1) - _chromaFirst[q];
                _chromaWeights[q * _chromaChunks * 8 + 2 * pair] += (ushort)w;
                _chromaWeights[q * _chromaChunks * 8 + 2 * pair + 1] += (ushort)w;
                _totalX[q] += w;
            }
        }
        // Sum buffers are read in whole chunks: room for the last column's chunks past its footprint.
        _rows.Allocate(_lumaChunks * 8, _chromaChunks * 8);
    }

    /// <summary>Tensor row <paramref name="dy"/>'s averaged colours into t.OutR/G/B.</summary>
    public void Row(ResizeTables t, scoped in ImageView s, int dy, in RowConverters.YuvVectors yuv)
    {
        int totalY = _rows.Sum(t.Y, s, dy);
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

    // Horizontal pass: per tensor column, dot products of the sums with the column's weights.
    private void SumColumns(int count)
    {
        ref ushort luma = ref MemoryMarshal.GetArrayDataReference(_rows.Luma);
        ref ushort chroma = ref MemoryMarshal.GetArrayDataReference(_rows.Chroma);
        ref ushort lw = ref MemoryMarshal.GetArrayDataReference(_lumaWeights);
        ref ushort cw = ref MemoryMarshal.GetArrayDataReference(_chromaWeights);
        int lc = _lumaChunks, cc = _chromaChunks;
        for (int q = 0; q < count; q++)
        {
            var y = Dot(ref Unsafe.Add(ref luma, _lumaFirst[q]), ref Unsafe.Add(ref lw, q * lc * 8), lc);
            _sumY[q] = (int)Vector128.Sum(y);
            // Chroma lanes alternate first, second sample of each pair.
            var c = Dot(ref Unsafe.Add(ref chroma, 2 * _chromaFirst[q]), ref Unsafe.Add(ref cw, q * cc * 8), cc);
            int first = (int)(c.GetElement(0) + c.GetElement(2)), second = (int)(c.GetElement(1) + c.GetElement(3));
            _sumU[q] = _swapChroma ? second : first;
            _sumV[q] = _swapChroma ? first : second;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Dot(ref ushort sums, ref ushort weights, int chunks)
    {
        var acc = Vector128<uint>.Zero;
        for (int c = 0; c < chunks; c++)
        {
            var (s0, s1) = Vector128.Widen(Vector128.LoadUnsafe(ref sums, (nuint)(c * 8)));
            var (w0, w1) = Vector128.Widen(Vector128.LoadUnsafe(ref weights, (nuint)(c * 8)));
            acc += s0 * w0 + s1 * w1; // at most 256 * 65280 per column: no overflow
        }
        return acc;
    }
}
