using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// The vertical half of <see cref="YuvBoxFilter"/>: for one tensor row, the weighted sum of its
/// footprint's source rows, straight from the frame's bytes, as a 16-bit row of luma sums (one
/// per pixel) and a 16-bit row of chroma sums (two per pixel pair, in the frame's order). 32 (then
/// 16) source bytes a step with the sums kept in registers across all the footprint's rows, so each
/// sum is stored once; rows of full weight are added as they are and multiplied once. YUYV/UYVY split even and odd bytes with a mask and a shift (luma and chroma
/// fall apart by themselves); NV12/NV21 widen each plane; I420 widens its two chroma planes and
/// interleaves them. A 4:2:0 chroma row's weight is the sum of the weights of the luma rows it
/// serves. <see cref="AreaWeights"/> keeps every sum within 16 bits.
/// </summary>
internal sealed class YuvRowSums
{
    /// <summary>Every stored sum is biased by 32768 (modulo 2^16): the sums run from 0 to 65280 and
    /// the horizontal pass multiplies them as signed 16-bit values, so it needs sum - 32768, which in
    /// 16-bit lanes is sum + 32768. The vector loops start their accumulators at the bias: free.</summary>
    public const int Bias = 0x8000;
    private readonly PixelFormat _format;
    private readonly int _unit;
    private readonly int _lumaStart, _lumaBytes;     // bytes of a luma (or packed) row read
    private readonly int _chromaStart, _chromaBytes; // bytes of a chroma row read (per plane)
    private readonly int _pixels, _pairs;
    // Per tensor row, worked out once per source size (MaxAreaTaps slots a row): the source rows
    // read, their integer weights, full-weight rows first (the sums do not depend on the order),
    // how many there are and how many of them have full weight; the same for the 4:2:0 chroma
    // rows (a chroma row's weight is the sum of the weights of the luma rows it serves).
    private readonly int[] _lumaRows, _lumaRowWeights, _chromaRowIndex, _chromaRowWeights;
    private readonly int[] _lumaCount, _lumaFull, _chromaCount, _chromaFull;
    /// <summary>Per tensor row: the total weight of its source rows.</summary>
    public readonly int[] RowTotal;
    // The current tensor row's byte offsets into the planes (the frame's strides applied).
    private readonly int[] _lumaOffsets = new int[ResizeTables.MaxAreaTaps], _offsets1 = new int[ResizeTables.MaxAreaTaps],
        _offsets2 = new int[ResizeTables.MaxAreaTaps];
    // Row pairs (RowPairSums) beyond 2x: the luma (or packed) and chroma plans.
    private readonly RowPairSums.Plan? _lumaPairs, _chromaPairs;
    private readonly Vector128<ushort>[] _lumaWeightVectors = new Vector128<ushort>[ResizeTables.MaxAreaTaps],
        _chromaWeightVectors = new Vector128<ushort>[ResizeTables.MaxAreaTaps];

    public ushort[] Luma { get; private set; } = [];
    public ushort[] Chroma { get; private set; } = [];

    /// <param name="y">The vertical taps (area weights) of every tensor row.</param>
    /// <param name="columnStart">First source column (even).</param>
    public YuvRowSums(PixelFormat format, AxisTaps y, int columnStart, int columnCount, int unit)
    {
        _format = format;
        _unit = unit;
        const int K = ResizeTables.MaxAreaTaps;
        int rows = y.Count;
        (_lumaRows, _lumaRowWeights, _chromaRowIndex, _chromaRowWeights) = (new int[rows * K], new int[rows * K], new int[rows * K], new int[rows * K]);
        (_lumaCount, _lumaFull, _chromaCount, _chromaFull, RowTotal) = (new int[rows], new int[rows], new int[rows], new int[rows], new int[rows]);
        for (int dy = 0; dy < rows; dy++)
        {
            int n = 0, m = 0, total = 0, b = dy * K;
            for (int j = 0; j < y.Taps; j++)
            {
                int w = AreaWeights.Weight(y.WeightD[j * y.Stride + dy], unit);
                if (w == 0) continue;
                int sy = y.Index[j * y.Stride + dy];
                _lumaRows[b + n] = sy;
                _lumaRowWeights[b + n++] = w;
                total += w;
                // Taps are consecutive rows, so rows sharing a chroma row are neighbours.
                if (m > 0 && _chromaRowIndex[b + m - 1] == sy >> 1) _chromaRowWeights[b + m - 1] += w;
                else
                {
                    _chromaRowIndex[b + m] = sy >> 1;
                    _chromaRowWeights[b + m++] = w;
                }
            }
            (_lumaCount[dy], _chromaCount[dy], RowTotal[dy]) = (n, m, total);
            _lumaFull[dy] = FullFirst(_lumaRows, _lumaRowWeights, b, n, unit);
            _chromaFull[dy] = FullFirst(_chromaRowIndex, _chromaRowWeights, b, m, unit);
        }
        // Beyond 2x (unit at most 64) luma weights are at most 64 and 4:2:0 chroma weights 128, so
        // two rows of most footprints share a pair. (On x64 and arm64 a pair costs about what one
        // row did; elsewhere about two rows' worth.)
        if (unit <= Vector128Widening.MaxRowPairWeights / 2)
        {
            _lumaPairs = new RowPairSums.Plan(_lumaRows, _lumaRowWeights, _lumaCount, K);
            _chromaPairs = new RowPairSums.Plan(_chromaRowIndex, _chromaRowWeights, _chromaCount, K);
        }
        _pairs = (columnCount + 1) >> 1;
        switch (format)
        {
            case PixelFormat.Yuyv or PixelFormat.Uyvy:
                (_lumaStart, _lumaBytes, _pixels) = (2 * columnStart, 4 * _pairs, 2 * _pairs);
                break;
            case PixelFormat.Nv12 or PixelFormat.Nv21:
                (_lumaStart, _lumaBytes, _pixels) = (columnStart, columnCount, columnCount);
                (_chromaStart, _chromaBytes) = (columnStart, 2 * _pairs);
                break;
            default:
                (_lumaStart, _lumaBytes, _pixels) = (columnStart, columnCount, columnCount);
                (_chromaStart, _chromaBytes) = (columnStart >> 1, _pairs);
                break;
        }
    }

    /// <summary>Allocates the sum rows, with room for whole-chunk reads past the last sum (kept zero).</summary>
    public void Allocate(int lumaPadding, int chromaPadding)
    {
        Luma = new ushort[_pixels + lumaPadding];
        Chroma = new ushort[2 * _pairs + chromaPadding];
    }

    /// <summary>Sums tensor row <paramref name="dy"/>'s source rows; returns their total weight.</summary>
    public int Sum(scoped in ImageView s, int dy)
    {
        if (_lumaPairs is not null)
        {
            SumPairs(s, dy);
            return RowTotal[dy];
        }
        const int K = ResizeTables.MaxAreaTaps;
        int n = _lumaCount[dy], m = _chromaCount[dy], b = dy * K;
        for (int j = 0; j < n; j++)
        {
            _lumaOffsets[j] = _lumaRows[b + j] * s.Stride0 + _lumaStart;
            _ = s.Plane0.Slice(_lumaOffsets[j], _lumaBytes); // bounds, once per row: the kernels load unchecked
        }
        // Rows of full weight (the footprint's inside) are summed without multiplying, then the
        // sum is multiplied once; 16-bit lanes wrap, but the final sum fits, so it is exact.
        var luma = new Taps(_lumaOffsets, _lumaRowWeights, b, _lumaWeightVectors, _lumaFull[dy], n, _unit);
        switch (_format)
        {
            case PixelFormat.Yuyv:
                Packed(s.Plane0, luma, _lumaBytes, Luma, Chroma);
                break;
            case PixelFormat.Uyvy:
                Packed(s.Plane0, luma, _lumaBytes, Chroma, Luma);
                break;
            case PixelFormat.Nv12 or PixelFormat.Nv21:
                Widen(s.Plane0, luma, _lumaBytes, Luma);
                for (int j = 0; j < m; j++)
                {
                    _offsets1[j] = _chromaRowIndex[b + j] * s.Stride1 + _chromaStart;
                    _ = s.Plane1.Slice(_offsets1[j], _chromaBytes);
                }
                Widen(s.Plane1, new Taps(_offsets1, _chromaRowWeights, b, _chromaWeightVectors, _chromaFull[dy], m, _unit), _chromaBytes, Chroma);
                break;
            default:
                Widen(s.Plane0, luma, _lumaBytes, Luma);
                ZipChroma(s, dy);
                break;
        }
        return RowTotal[dy];
    }

    // I420's two chroma planes, summed row by row into interleaved pairs (both paths).
    private void ZipChroma(scoped in ImageView s, int dy)
    {
        const int K = ResizeTables.MaxAreaTaps;
        int m = _chromaCount[dy], b = dy * K;
        for (int j = 0; j < m; j++)
        {
            _offsets1[j] = _chromaRowIndex[b + j] * s.Stride1 + _chromaStart;
            _offsets2[j] = _chromaRowIndex[b + j] * s.Stride2 + _chromaStart;
            _ = s.Plane1.Slice(_offsets1[j], _chromaBytes);
            _ = s.Plane2.Slice(_offsets2[j], _chromaBytes);
        }
        Zip(s.Plane1, s.Plane2, new Taps(_offsets1, _chromaRowWeights, b, _chromaWeightVectors, _chromaFull[dy], m, _unit), _offsets2, _chromaBytes, Chroma);
    }

    // Sum's two-rows-at-a-time form (I420's two chroma planes are still zipped row by row).
    private void SumPairs(scoped in ImageView s, int dy)
    {
        var luma = _lumaPairs!.Offsets(dy, s.Plane0, s.Stride0, _lumaStart, _lumaBytes);
        switch (_format)
        {
            case PixelFormat.Yuyv:
                RowPairSums.Packed(s.Plane0, luma, _lumaBytes, Luma, Chroma);
                break;
            case PixelFormat.Uyvy:
                RowPairSums.Packed(s.Plane0, luma, _lumaBytes, Chroma, Luma);
                break;
            case PixelFormat.Nv12 or PixelFormat.Nv21:
                RowPairSums.Widen(s.Plane0, luma, _lumaBytes, Luma);
                RowPairSums.Widen(s.Plane1, _chromaPairs!.Offsets(dy, s.Plane1, s.Stride1, _chromaStart, _chromaBytes),
                    _chromaBytes, Chroma);
                break;
            default:
                RowPairSums.Widen(s.Plane0, luma, _lumaBytes, Luma);
                ZipChroma(s, dy);
                break;
        }
    }

    // Moves taps of weight `unit` to the front of keys/weights[at..at+n) (sums do not depend on
    // order); returns their count.
    private static int FullFirst(int[] keys, int[] weights, int at, int n, int unit)
    {
        int f = 0;
        for (int j = 0; j < n; j++)
        {
            if (weights[at + j] != unit) continue;
            (keys[at + j], keys[at + f]) = (keys[at + f], keys[at + j]);
            (weights[at + j], weights[at + f]) = (weights[at + f], weights[at + j]);
            f++;
        }
        return f;
    }

    /// <summary>One tensor row's source rows: byte offsets, weights (also as vectors, filled here:
    /// one load per row and step instead of a broadcast); the first <see cref="Full"/> have weight
    /// <see cref="Unit"/>.</summary>
    private readonly ref struct Taps
    {
        public readonly ref int Offset;
        public readonly ref int Weight;
        public readonly ref Vector128<ushort> WeightVector;
        public readonly int Full, Count;
        public readonly ushort Unit;

        public Taps(int[] offsets, int[] weights, int weightsAt, Vector128<ushort>[] weightVectors, int full, int count, int unit)
        {
            Offset = ref MemoryMarshal.GetArrayDataReference(offsets);
            Weight = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(weights), weightsAt);
            WeightVector = ref MemoryMarshal.GetArrayDataReference(weightVectors);
            (Full, Count, Unit) = (full, count, (ushort)unit);
            for (int j = full; j < count; j++) weightVectors[j] = Vector128.Create((ushort)weights[weightsAt + j]);
        }

        /// <summary>The biased sum at byte <paramref name="at"/> of every row, as the vector loops store it.</summary>
        public ushort ScalarSum(ReadOnlySpan<byte> plane, int at) => ScalarSum(plane, ref Unsafe.AsRef(in Offset), at);

        public ushort ScalarSum(ReadOnlySpan<byte> plane, ref int offsets, int at)
        {
            int a = Bias;
            for (int j = 0; j < Count; j++) a += Unsafe.Add(ref Unsafe.AsRef(in Weight), j) * plane[Unsafe.Add(ref offsets, j) + at];
            return (ushort)a;
        }
    }

    // Packed 4:2:2: even bytes into one row of sums, odd bytes into the other.
    private static void Packed(ReadOnlySpan<byte> plane, in Taps taps, int bytes, ushort[] even, ushort[] odd)
    {
        ref byte p = ref MemoryMarshal.GetReference(plane);
        ref ushort pe = ref MemoryMarshal.GetArrayDataReference(even);
        ref ushort po = ref MemoryMarshal.GetArrayDataReference(odd);
        ref int offsets = ref Unsafe.AsRef(in taps.Offset);
        ref Vector128<ushort> weights = ref Unsafe.AsRef(in taps.WeightVector);
        var bias = Vector128.Create((ushort)Bias);
        var low = Vector128.Create((ushort)0xFF);
        var unit = Vector128.Create(taps.Unit);
        int i = 0;
        // Two vectors a step: the per-row loop overhead is shared by 32 bytes.
        for (; i + 32 <= bytes; i += 32)
        {
            Vector128<ushort> e = default, o = default, ew = bias, ow = bias;
            Vector128<ushort> e2 = default, o2 = default, ew2 = bias, ow2 = bias;
            int j = 0;
            for (; j < taps.Full; j++)
            {
                ref byte row = ref Unsafe.Add(ref p, Unsafe.Add(ref offsets, j) + i);
                var v = Vector128.LoadUnsafe(ref row).AsUInt16();
                var v2 = Vector128.LoadUnsafe(ref row, 16).AsUInt16();
                e += v & low;
                o += v >> 8;
                e2 += v2 & low;
                o2 += v2 >> 8;
            }
            for (; j < taps.Count; j++)
            {
                ref byte row = ref Unsafe.Add(ref p, Unsafe.Add(ref offsets, j) + i);
                var v = Vector128.LoadUnsafe(ref row).AsUInt16();
                var v2 = Vector128.LoadUnsafe(ref row, 16).AsUInt16();
                var w = Unsafe.Add(ref weights, j);
                ew += (v & low) * w;
                ow += (v >> 8) * w;
                ew2 += (v2 & low) * w;
                ow2 += (v2 >> 8) * w;
            }
            (e * unit + ew).StoreUnsafe(ref pe, (nuint)(i >> 1));
            (o * unit + ow).StoreUnsafe(ref po, (nuint)(i >> 1));
            (e2 * unit + ew2).StoreUnsafe(ref pe, (nuint)((i >> 1) + 8));
            (o2 * unit + ow2).StoreUnsafe(ref po, (nuint)((i >> 1) + 8));
        }
        for (; i + 16 <= bytes; i += 16)
        {
            Vector128<ushort> e = default, o = default, ew = bias, ow = bias;
            int j = 0;
            for (; j < taps.Full; j++)
            {
                var v = Vector128.LoadUnsafe(ref p, (nuint)(Unsafe.Add(ref offsets, j) + i)).AsUInt16();
                e += v & low;
                o += v >> 8;
            }
            for (; j < taps.Count; j++)
            {
                var v = Vector128.LoadUnsafe(ref p, (nuint)(Unsafe.Add(ref offsets, j) + i)).AsUInt16();
                var w = Unsafe.Add(ref weights, j);
                ew += (v & low) * w;
                ow += (v >> 8) * w;
            }
            (e * unit + ew).StoreUnsafe(ref pe, (nuint)(i >> 1));
            (o * unit + ow).StoreUnsafe(ref po, (nuint)(i >> 1));
        }
        for (; i < bytes; i += 2)
        {
            even[i >> 1] = taps.ScalarSum(plane, i);
            odd[i >> 1] = taps.ScalarSum(plane, i + 1);
        }
    }

    // One plane, byte for byte.
    private static void Widen(ReadOnlySpan<byte> plane, in Taps taps, int bytes, ushort[] dst)
    {
        ref byte p = ref MemoryMarshal.GetReference(plane);
        ref ushort pd = ref MemoryMarshal.GetArrayDataReference(dst);
        ref int offsets = ref Unsafe.AsRef(in taps.Offset);
        ref Vector128<ushort> weights = ref Unsafe.AsRef(in taps.WeightVector);
        var unit = Vector128.Create(taps.Unit);
        var bias = Vector128.Create((ushort)Bias);
        int i = 0;
        for (; i + 32 <= bytes; i += 32)
        {
            Vector128<ushort> a0 = default, a1 = default, w0 = bias, w1 = bias;
            Vector128<ushort> a2 = default, a3 = default, w2 = bias, w3 = bias;
            int j = 0;
            for (; j < taps.Full; j++)
            {
                ref byte row = ref Unsafe.Add(ref p, Unsafe.Add(ref offsets, j) + i);
                var (lo, hi) = Vector128Widening.Widen(Vector128.LoadUnsafe(ref row));
                var (lo2, hi2) = Vector128Widening.Widen(Vector128.LoadUnsafe(ref row, 16));
                a0 += lo;
                a1 += hi;
                a2 += lo2;
                a3 += hi2;
            }
            for (; j < taps.Count; j++)
            {
                ref byte row = ref Unsafe.Add(ref p, Unsafe.Add(ref offsets, j) + i);
                var (lo, hi) = Vector128Widening.Widen(Vector128.LoadUnsafe(ref row));
                var (lo2, hi2) = Vector128Widening.Widen(Vector128.LoadUnsafe(ref row, 16));
                var w = Unsafe.Add(ref weights, j);
                w0 += lo * w;
                w1 += hi * w;
                w2 += lo2 * w;
                w3 += hi2 * w;
            }
            (a0 * unit + w0).StoreUnsafe(ref pd, (nuint)i);
            (a1 * unit + w1).StoreUnsafe(ref pd, (nuint)(i + 8));
            (a2 * unit + w2).StoreUnsafe(ref pd, (nuint)(i + 16));
            (a3 * unit + w3).StoreUnsafe(ref pd, (nuint)(i + 24));
        }
        for (; i + 16 <= bytes; i += 16)
        {
            Vector128<ushort> a0 = default, a1 = default, w0 = bias, w1 = bias;
            int j = 0;
            for (; j < taps.Full; j++)
            {
                var (lo, hi) = Vector128Widening.Widen(Vector128.LoadUnsafe(ref p, (nuint)(Unsafe.Add(ref offsets, j) + i)));
                a0 += lo;
                a1 += hi;
            }
            for (; j < taps.Count; j++)
            {
                var (lo, hi) = Vector128Widening.Widen(Vector128.LoadUnsafe(ref p, (nuint)(Unsafe.Add(ref offsets, j) + i)));
                var w = Unsafe.Add(ref weights, j);
                w0 += lo * w;
                w1 += hi * w;
            }
            (a0 * unit + w0).StoreUnsafe(ref pd, (nuint)i);
            (a1 * unit + w1).StoreUnsafe(ref pd, (nuint)(i + 8));
        }
        for (; i < bytes; i++) dst[i] = taps.ScalarSum(plane, i);
    }

    // Two chroma planes (I420) into interleaved pairs: dst[2k] from the first, dst[2k + 1] from the
    // second (same rows and weights, offsets2 into the second plane).
    private static void Zip(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, in Taps taps, int[] offsets2, int bytes, ushort[] dst)
    {
        ref byte p1 = ref MemoryMarshal.GetReference(first);
        ref byte p2 = ref MemoryMarshal.GetReference(second);
        ref ushort pd = ref MemoryMarshal.GetArrayDataReference(dst);
        var bias = Vector128.Create((ushort)Bias);
        int i = 0;
        for (; i + 16 <= bytes; i += 16)
        {
            Vector128<ushort> a0 = bias, a1 = bias, b0 = bias, b1 = bias;
            for (int j = 0; j < taps.Count; j++)
            {
                var w = Vector128.Create((ushort)Unsafe.Add(ref Unsafe.AsRef(in taps.Weight), j));
                var (alo, ahi) = Vector128Widening.Widen(Vector128.LoadUnsafe(ref p1, (nuint)(Unsafe.Add(ref Unsafe.AsRef(in taps.Offset), j) + i)));
                var (blo, bhi) = Vector128Widening.Widen(Vector128.LoadUnsafe(ref p2, (nuint)(offsets2[j] + i)));
                a0 += alo * w;
                a1 += ahi * w;
                b0 += blo * w;
                b1 += bhi * w;
            }
            // a | b << 16 in 32-bit lanes is the pair (a, b) in 16-bit lanes.
            (Vector128.WidenLower(a0) | Vector128.WidenLower(b0) << 16).AsUInt16().StoreUnsafe(ref pd, (nuint)(2 * i));
            (Vector128.WidenUpper(a0) | Vector128.WidenUpper(b0) << 16).AsUInt16().StoreUnsafe(ref pd, (nuint)(2 * i + 8));
            (Vector128.WidenLower(a1) | Vector128.WidenLower(b1) << 16).AsUInt16().StoreUnsafe(ref pd, (nuint)(2 * i + 16));
            (Vector128.WidenUpper(a1) | Vector128.WidenUpper(b1) << 16).AsUInt16().StoreUnsafe(ref pd, (nuint)(2 * i + 24));
        }
        for (; i < bytes; i++)
        {
            dst[2 * i] = taps.ScalarSum(first, i);
            dst[2 * i + 1] = taps.ScalarSum(second, ref MemoryMarshal.GetArrayDataReference(offsets2), i);
        }
    }
}
