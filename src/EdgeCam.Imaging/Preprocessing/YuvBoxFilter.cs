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
/// precomputed 16-bit weight vector (zero outside its footprint) with a 16-bit multiply-add into
/// 32-bit lanes (<see cref="Vector128Widening"/>; chroma pairs are first parted into four first and
/// four second samples, so no lane mixes Cb with Cr); the sums are unsigned, the multiply signed,
/// so the vertical pass stores each sum less 32768 (<see cref="YuvRowSums.Bias"/>) and 32768 times
/// the column's weight total is added back;</item>
/// <item>four columns' lane sums are gathered into one vector with in-register shuffles and the
/// average Y, Cb, Cr of those four tensor pixels converted to RGB with the reference's operations
/// in the reference's order.</item>
/// </list>
/// Integer sums are exact in any order, so results equal the reference's. Built per source size
/// and format; allocates nothing per frame.
/// </summary>
internal sealed class YuvBoxFilter
{
    public readonly PixelFormat Format;
    private readonly YuvRowSums _rows;
    private readonly bool _swapChroma;       // chroma pairs stored V, U (NV21)
    private readonly int _lumaChunks, _chromaChunks;   // weight layout: chunks of 8 per column
    // Per column: byte offset of the first luma sum and of the first chroma sum (of its first pair)
    // it reads in the sum rows; native-sized bytes, so each is added to an address as it is.
    private readonly nint[] _lumaAt, _chromaAt;
    private readonly short[] _lumaWeights, _chromaWeights; // per column: chunks of 8 weights
    private readonly int[] _totalX;          // per column: sum of its weights (padding columns: 1)
    private readonly int[] _offsetX;         // per column: 32768 x the sum of its weights (what the biased sums took off)
    private readonly float[][] _inverse;     // per distinct row total: 1 / (column total x row total) per column
    private readonly int[] _rowInverse;      // per tensor row: which of _inverse

    public static bool Handles(PixelFormat format) => PixelReader.IsYuv(format);

    public YuvBoxFilter(ResizeTables t, PixelFormat format)
    {
        Format = format;
        _swapChroma = format == PixelFormat.Nv21;
        _rows = new YuvRowSums(format, t.Y, t.ColumnStart, t.ColumnCount, AreaWeights.Unit(t.Fit.ScaleY));
        int unitX = AreaWeights.Unit(t.Fit.ScaleX);
        var x = t.X;
        int stride = x.Stride, count = x.Count;
        _lumaAt = new nint[stride];
        _chromaAt = new nint[stride];
        _totalX = new int[stride];
        _offsetX = new int[stride];
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
            _lumaAt[q] = sizeof(ushort) * lo;
            _chromaAt[q] = sizeof(ushort) * 2 * (lo >> 1);
            lumaSpan = Math.Max(lumaSpan, hi - lo + 1);
            pairSpan = Math.Max(pairSpan, (hi >> 1) - (lo >> 1) + 1);
        }
        _lumaChunks = (lumaSpan + 7) / 8;
        _chromaChunks = (pairSpan + 3) / 4;
        _lumaWeights = new short[stride * _lumaChunks * 8];
        _chromaWeights = new short[stride * _chromaChunks * 8];
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
                _lumaWeights[q * _lumaChunks * 8 + i - (int)_lumaAt[q] / sizeof(ushort)] += (short)w;
                int pair = (i >> 1) - (int)_chromaAt[q] / (2 * sizeof(ushort));
                // Chunks of four pairs are read parted (first samples, then second samples).
                int chunk = q * _chromaChunks * 8 + (pair >> 2) * 8 + (pair & 3);
                _chromaWeights[chunk] += (short)w;
                _chromaWeights[chunk + 4] += (short)w;
                _totalX[q] += w;
            }
            // One axis's weights add up to at most 256 (AreaWeights), so every weight and every
            // 32-bit lane of the multiply-add stays in range: |sum - 32768| * 256 * 2 < 2^31.
            _offsetX[q] = 32768 * _totalX[q];
        }
        // Sum buffers are read in whole chunks: room for the last column's chunks past its footprint.
        _rows.Allocate(_lumaChunks * 8, _chromaChunks * 8);
        // 1 / (column total x row total) per column, for each distinct row total (a handful), with
        // the same operations the reference uses (int product, to float, 1f / it): the division
        // is off the per-frame path.
        var totals = _rows.RowTotal.Distinct().ToArray();
        _inverse = new float[totals.Length][];
        _rowInverse = new int[_rows.RowTotal.Length];
        for (int k = 0; k < totals.Length; k++)
        {
            _inverse[k] = new float[stride];
            for (int q = 0; q < stride; q++) _inverse[k][q] = 1f / (float)(_totalX[q] * totals[k]);
        }
        for (int dy = 0; dy < _rowInverse.Length; dy++) _rowInverse[dy] = Array.IndexOf(totals, _rows.RowTotal[dy]);
    }

    /// <summary>Tensor row <paramref name="dy"/>'s averaged colours into outR/G/B (t.X.Stride long).
    /// One instance per thread: the sum rows are its scratch.</summary>
    public void Row(ResizeTables t, scoped in ImageView s, int dy, in RowConverters.YuvVectors yuv, float[] outR, float[] outG, float[] outB)
    {
        _rows.Sum(s, dy);
        // The common footprints (downscales up to ~7x luma, ~6x chroma pairs) take one or two
        // chunks: with the count a compile-time constant the chunk loops vanish and their
        // registers are free for the rest of the column step.
        switch (_lumaChunks, _chromaChunks)
        {
            case (1, 1): Columns<OneChunk, OneChunk>(dy, yuv, outR, outG, outB); break;
            case (2, 2): Columns<TwoChunks, TwoChunks>(dy, yuv, outR, outG, outB); break;
            default: Columns<AnyChunks, AnyChunks>(dy, yuv, outR, outG, outB); break;
        }
    }

    private void Columns<TLuma, TChroma>(int dy, in RowConverters.YuvVectors yuv, float[] outR, float[] outG, float[] outB)
        where TLuma : struct, IChunkCount where TChroma : struct, IChunkCount
    {
        ref float pi = ref MemoryMarshal.GetArrayDataReference(_inverse[_rowInverse[dy]]);
        ref ushort luma = ref MemoryMarshal.GetArrayDataReference(_rows.Luma);
        ref ushort chroma = ref MemoryMarshal.GetArrayDataReference(_rows.Chroma);
        ref short lw = ref MemoryMarshal.GetArrayDataReference(_lumaWeights);
        ref short cw = ref MemoryMarshal.GetArrayDataReference(_chromaWeights);
        ref nint lf = ref MemoryMarshal.GetArrayDataReference(_lumaAt);
        ref nint cf = ref MemoryMarshal.GetArrayDataReference(_chromaAt);
        ref int po = ref MemoryMarshal.GetArrayDataReference(_offsetX);
        ref float r = ref MemoryMarshal.GetArrayDataReference(outR);
        ref float g = ref MemoryMarshal.GetArrayDataReference(outG);
        ref float b = ref MemoryMarshal.GetArrayDataReference(outB);
        int lc = TLuma.Of(_lumaChunks), cc = TChroma.Of(_chromaChunks), ls = lc * 8, cs = cc * 8;
        nint columns = _totalX.Length;
        // Four tensor columns a step (padding columns have zero weights and sum to 0); the weight
        // rows advance by four columns' chunks a step. A native-sized q lets column q + k's table
        // entries be addressed with a constant displacement.
        for (nint q = 0; q < columns; q += 4, lw = ref Unsafe.Add(ref lw, 4 * ls), cw = ref Unsafe.Add(ref cw, 4 * cs))
        {
            var offset = Vector128.LoadUnsafe(ref po, (nuint)q).AsUInt32();
            var y = offset + Lanes(
                Dot<TLuma>(ref Unsafe.AddByteOffset(ref luma, Unsafe.Add(ref lf, q)), ref lw, lc),
                Dot<TLuma>(ref Unsafe.AddByteOffset(ref luma, Unsafe.Add(ref lf, q + 1)), ref Unsafe.Add(ref lw, ls), lc),
                Dot<TLuma>(ref Unsafe.AddByteOffset(ref luma, Unsafe.Add(ref lf, q + 2)), ref Unsafe.Add(ref lw, 2 * ls), lc),
                Dot<TLuma>(ref Unsafe.AddByteOffset(ref luma, Unsafe.Add(ref lf, q + 3)), ref Unsafe.Add(ref lw, 3 * ls), lc));
            var (u, v) = PairLanes(
                PairDot<TChroma>(ref Unsafe.AddByteOffset(ref chroma, Unsafe.Add(ref cf, q)), ref cw, cc),
                PairDot<TChroma>(ref Unsafe.AddByteOffset(ref chroma, Unsafe.Add(ref cf, q + 1)), ref Unsafe.Add(ref cw, cs), cc),
                PairDot<TChroma>(ref Unsafe.AddByteOffset(ref chroma, Unsafe.Add(ref cf, q + 2)), ref Unsafe.Add(ref cw, 2 * cs), cc),
                PairDot<TChroma>(ref Unsafe.AddByteOffset(ref chroma, Unsafe.Add(ref cf, q + 3)), ref Unsafe.Add(ref cw, 3 * cs), cc));
            u += offset;
            v += offset;
            if (_swapChroma) (u, v) = (v, u);
            // The reference: inv = 1f / total (here from the table), then (float)sum * inv per channel.
            var inv = Vector128.LoadUnsafe(ref pi, (nuint)q);
            var (cr, cg, cb) = yuv.ToRgb(Vector128.ConvertToSingle(y.AsInt32()) * inv, Vector128.ConvertToSingle(u.AsInt32()) * inv,
                Vector128.ConvertToSingle(v.AsInt32()) * inv);
            cr.StoreUnsafe(ref r, (nuint)q);
            cg.StoreUnsafe(ref g, (nuint)q);
            cb.StoreUnsafe(ref b, (nuint)q);
        }
    }

    /// <summary>A column's chunk count: fixed at compile time (<see cref="OneChunk"/>,
    /// <see cref="TwoChunks"/>) or the filter's own (<see cref="AnyChunks"/>).</summary>
    private interface IChunkCount
    {
        static abstract int Of(int chunks);
    }

    private struct OneChunk : IChunkCount
    {
        public static int Of(int chunks) => 1;
    }

    private struct TwoChunks : IChunkCount
    {
        public static int Of(int chunks) => 2;
    }

    private struct AnyChunks : IChunkCount
    {
        public static int Of(int chunks) => chunks;
    }

    /// <summary>[sum of a, sum of b, sum of c, sum of d].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Lanes(Vector128<uint> a, Vector128<uint> b, Vector128<uint> c, Vector128<uint> d) =>
        Vector128Lanes.AddPairwise(Vector128Lanes.AddPairwise(a, b), Vector128Lanes.AddPairwise(c, d));

    /// <summary>From four columns' chroma lanes (first, first, second, second sample sums, as
    /// <see cref="PairDot{T}"/> leaves them): [first-sample sums of a..d] and [second-sample sums of a..d].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<uint>, Vector128<uint>) PairLanes(Vector128<uint> a, Vector128<uint> b, Vector128<uint> c, Vector128<uint> d) =>
        Vector128Lanes.Unzip(Vector128Lanes.AddPairwise(a, b), Vector128Lanes.AddPairwise(c, d)); // Fa Sa Fb Sb, Fc Sc Fd Sd

    // Shuffle indices are literal constants at every call: only then does the compiler emit one
    // pshufb/tbl instruction. Through a local the JIT's later phases still see the constant, but
    // NativeAOT compiled each such Shuffle as a call into a software fallback (44% of the frame
    // time in the AOT binary; scripts/publish.sh now refuses binaries with such a fallback).

    /// <summary>As <see cref="Dot{T}"/> for a column's chroma pair sums: each chunk of four pairs is
    /// parted into its four first and four second samples before the multiply-add, so lanes 0-1
    /// hold first-sample products and lanes 2-3 second-sample products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> PairDot<T>(ref ushort sums, ref short weights, int chunks) where T : struct, IChunkCount
    {
        chunks = T.Of(chunks);
        var acc = Vector128Widening.MultiplyAddAdjacent(
            Vector128.Shuffle(Vector128.LoadUnsafe(ref sums), Vector128.Create((ushort)0, 2, 4, 6, 1, 3, 5, 7)).AsInt16(),
            Vector128.LoadUnsafe(ref weights));
        for (int c = 1; c < chunks; c++)
            acc += Vector128Widening.MultiplyAddAdjacent(
                Vector128.Shuffle(Vector128.LoadUnsafe(ref sums, (nuint)(c * 8)), Vector128.Create((ushort)0, 2, 4, 6, 1, 3, 5, 7)).AsInt16(),
                Vector128.LoadUnsafe(ref weights, (nuint)(c * 8)));
        return acc.AsUInt32();
    }

    /// <summary>Four 32-bit lanes whose total is the column's dot product of its sums with its
    /// weights, less 32768 x its weight total (the sums are stored biased: sum - 32768 as signed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Dot<T>(ref ushort sums, ref short weights, int chunks) where T : struct, IChunkCount
    {
        chunks = T.Of(chunks);
        var acc = Vector128Widening.MultiplyAddAdjacent(Vector128.LoadUnsafe(ref sums).AsInt16(), Vector128.LoadUnsafe(ref weights));
        for (int c = 1; c < chunks; c++)
            acc += Vector128Widening.MultiplyAddAdjacent(Vector128.LoadUnsafe(ref sums, (nuint)(c * 8)).AsInt16(), Vector128.LoadUnsafe(ref weights, (nuint)(c * 8)));
        return acc.AsUInt32();
    }
}
