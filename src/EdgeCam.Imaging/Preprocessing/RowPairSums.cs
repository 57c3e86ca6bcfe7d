using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// The vertical sums of <see cref="YuvRowSums"/> two source rows at a time, for downscales beyond
/// 2x (where the box filter does most of its work, and every weight fits a pair). One pair
/// multiply-add (pmaddubsw on x64, umlal on arm64) replaces two rows' widen, multiply and add. Per
/// tensor row the pairs are worked out once per source size (<see cref="Plan"/>), their byte
/// offsets once per stride.
/// </summary>
internal static class RowPairSums
{
    /// <summary>One plane's source-row pairs for every tensor row.</summary>
    public sealed class Plan
    {
        private readonly int[] _start, _count, _firstRow, _secondRow;
        private readonly RowPairWeights[] _weights;
        // Every pair's byte offsets for the stride and start last seen (a camera keeps both), so a
        // frame's rows cost one bounds comparison each; _end is the furthest byte they read, plus one.
        private readonly nint[] _firstOffset, _secondOffset;
        private int _stride = -1, _offsetStart, _bytes;
        private long _end;

        /// <param name="rows">Per tensor row, <paramref name="slots"/> slots of source rows.</param>
        /// <param name="weights">Their weights (each at most <see cref="Vector128Widening.MaxRowPairWeights"/>).</param>
        /// <param name="counts">Per tensor row, how many source rows.</param>
        public Plan(int[] rows, int[] weights, int[] counts, int slots)
        {
            var firstRow = new List<int>();
            var secondRow = new List<int>();
            var pairWeights = new List<RowPairWeights>();
            _start = new int[counts.Length];
            _count = new int[counts.Length];
            for (int dy = 0; dy < counts.Length; dy++)
            {
                _start[dy] = firstRow.Count;
                // Rows in order, each pair's weights adding up to at most MaxRowPairWeights: a row
                // that does not fit beside the pending one fills the pair and carries the rest of its
                // weight into the next (weights are integers, so any split sums exactly). Two rows
                // of a 4:2:0 chroma plane (2 x unit each) then share a pair where they fit.
                int pending = -1, pendingWeight = 0;
                for (int j = dy * slots; j < dy * slots + counts[dy]; j++)
                {
                    int w = weights[j];
                    while (w > 0)
                    {
                        if (pending < 0)
                        {
                            int part = Math.Min(w, Vector128Widening.MaxRowPairWeights - 1);
                            (pending, pendingWeight) = (rows[j], part);
                            w -= part;
                            continue;
                        }
                        int fill = Math.Min(w, Vector128Widening.MaxRowPairWeights - pendingWeight);
                        firstRow.Add(pending);
                        secondRow.Add(rows[j]);
                        pairWeights.Add(new RowPairWeights(pendingWeight, fill));
                        pending = -1;
                        w -= fill;
                    }
                }
                if (pending >= 0)
                {
                    // An odd row out pairs with itself at weight 0.
                    firstRow.Add(pending);
                    secondRow.Add(pending);
                    pairWeights.Add(new RowPairWeights(pendingWeight, 0));
                }
                _count[dy] = firstRow.Count - _start[dy];
            }
            (_firstRow, _secondRow, _weights) = (firstRow.ToArray(), secondRow.ToArray(), pairWeights.ToArray());
            (_firstOffset, _secondOffset) = (new nint[_firstRow.Length], new nint[_secondRow.Length]);
        }

        /// <summary>Tensor row <paramref name="dy"/>'s pairs in a plane of <paramref name="stride"/>
        /// bytes a row, each row read from byte <paramref name="start"/> for <paramref name="bytes"/>
        /// bytes: their byte offsets and weights. Throws if a row would lie outside the plane (the
        /// kernels load unchecked).</summary>
        public Pairs Offsets(int dy, ReadOnlySpan<byte> plane, int stride, int start, int bytes)
        {
            if (stride != _stride || start != _offsetStart || bytes != _bytes)
            {
                _end = 0;
                for (int k = 0; k < _firstRow.Length; k++)
                {
                    long a = (long)_firstRow[k] * stride + start, b = (long)_secondRow[k] * stride + start;
                    (_firstOffset[k], _secondOffset[k]) = ((nint)a, (nint)b);
                    _end = Math.Max(_end, Math.Max(a, b) + bytes);
                }
                (_stride, _offsetStart, _bytes) = (stride, start, bytes);
            }
            if (plane.Length < _end)
                throw new ArgumentOutOfRangeException(nameof(plane), $"the plane has {plane.Length} bytes; its rows need {_end}");
            return new Pairs(_firstOffset, _secondOffset, _weights, _start[dy], _count[dy]);
        }
    }

    /// <summary>A tensor row's pairs for one frame: byte offsets of both rows (native-sized: added
    /// to an address as they are) and the weights.</summary>
    public readonly ref struct Pairs(nint[] first, nint[] second, RowPairWeights[] weights, int at, int count)
    {
        public readonly ref nint First = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(first), at);
        public readonly ref nint Second = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(second), at);
        public readonly ref RowPairWeights Weights = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(weights), at);
        public readonly int Count = count;

        /// <summary>The biased sum at byte <paramref name="at"/>, as the vector loops store it.</summary>
        public ushort ScalarSum(ReadOnlySpan<byte> plane, int at)
        {
            int sum = YuvRowSums.Bias;
            for (int k = 0; k < Count; k++)
            {
                ref readonly var w = ref Unsafe.Add(ref Unsafe.AsRef(in Weights), k);
                sum += w.FirstWeight * plane[(int)Unsafe.Add(ref Unsafe.AsRef(in First), k) + at] + w.SecondWeight * plane[(int)Unsafe.Add(ref Unsafe.AsRef(in Second), k) + at];
            }
            return (ushort)sum;
        }
    }

    /// <summary>One plane, byte for byte: dst[i] = the biased weighted sum of byte i of every row.</summary>
    public static void Widen(ReadOnlySpan<byte> plane, in Pairs pairs, int bytes, ushort[] dst)
    {
        ref byte p = ref MemoryMarshal.GetReference(plane);
        ref ushort pd = ref MemoryMarshal.GetArrayDataReference(dst);
        ref nint first = ref Unsafe.AsRef(in pairs.First);
        ref nint second = ref Unsafe.AsRef(in pairs.Second);
        ref RowPairWeights weights = ref Unsafe.AsRef(in pairs.Weights);
        var bias = Vector128.Create((ushort)YuvRowSums.Bias);
        int n = pairs.Count, i = 0;
        for (; i + 32 <= bytes; i += 32)
        {
            Vector128<ushort> s0 = bias, s1 = bias, s2 = bias, s3 = bias;
            // The pairs' offsets and weights advance by reference: no index arithmetic per pair.
            ref byte column = ref Unsafe.Add(ref p, i);
            ref nint f = ref first, g = ref second;
            ref RowPairWeights w = ref weights;
            for (int k = 0; k < n; k++, f = ref Unsafe.Add(ref f, 1), g = ref Unsafe.Add(ref g, 1), w = ref Unsafe.Add(ref w, 1))
            {
                ref byte a = ref Unsafe.Add(ref column, f);
                ref byte b = ref Unsafe.Add(ref column, g);
                Vector128Widening.MultiplyAddRowPair(ref s0, ref s1, Vector128.LoadUnsafe(ref a), Vector128.LoadUnsafe(ref b), w);
                Vector128Widening.MultiplyAddRowPair(ref s2, ref s3, Vector128.LoadUnsafe(ref a, 16), Vector128.LoadUnsafe(ref b, 16), w);
            }
            s0.StoreUnsafe(ref pd, (nuint)i);
            s1.StoreUnsafe(ref pd, (nuint)(i + 8));
            s2.StoreUnsafe(ref pd, (nuint)(i + 16));
            s3.StoreUnsafe(ref pd, (nuint)(i + 24));
        }
        for (; i + 16 <= bytes; i += 16)
        {
            Vector128<ushort> s0 = bias, s1 = bias;
            ref byte column = ref Unsafe.Add(ref p, i);
            for (int k = 0; k < n; k++)
                Vector128Widening.MultiplyAddRowPair(ref s0, ref s1, Vector128.LoadUnsafe(ref Unsafe.Add(ref column, Unsafe.Add(ref first, k))),
                    Vector128.LoadUnsafe(ref Unsafe.Add(ref column, Unsafe.Add(ref second, k))), Unsafe.Add(ref weights, k));
            s0.StoreUnsafe(ref pd, (nuint)i);
            s1.StoreUnsafe(ref pd, (nuint)(i + 8));
        }
        for (; i < bytes; i++) dst[i] = pairs.ScalarSum(plane, i);
    }

    /// <summary>Packed 4:2:2: the pair sums come out in the frame's byte order (even, odd, even,
    /// ...) and are parted into the two rows of sums once per step. The accumulation loop is
    /// <see cref="Widen"/>'s, written out again on purpose: shared through a helper returning the
    /// four sums (out parameters) both kernels ran 2-3% slower (bench/preprocess.sh).</summary>
    public static void Packed(ReadOnlySpan<byte> plane, in Pairs pairs, int bytes, ushort[] even, ushort[] odd)
    {
        ref byte p = ref MemoryMarshal.GetReference(plane);
        ref ushort pe = ref MemoryMarshal.GetArrayDataReference(even);
        ref ushort po = ref MemoryMarshal.GetArrayDataReference(odd);
        ref nint first = ref Unsafe.AsRef(in pairs.First);
        ref nint second = ref Unsafe.AsRef(in pairs.Second);
        ref RowPairWeights weights = ref Unsafe.AsRef(in pairs.Weights);
        var bias = Vector128.Create((ushort)YuvRowSums.Bias);
        int n = pairs.Count, i = 0;
        for (; i + 32 <= bytes; i += 32)
        {
            Vector128<ushort> s0 = bias, s1 = bias, s2 = bias, s3 = bias;
            // The pairs' offsets and weights advance by reference: no index arithmetic per pair.
            ref byte column = ref Unsafe.Add(ref p, i);
            ref nint f = ref first, g = ref second;
            ref RowPairWeights w = ref weights;
            for (int k = 0; k < n; k++, f = ref Unsafe.Add(ref f, 1), g = ref Unsafe.Add(ref g, 1), w = ref Unsafe.Add(ref w, 1))
            {
                ref byte a = ref Unsafe.Add(ref column, f);
                ref byte b = ref Unsafe.Add(ref column, g);
                Vector128Widening.MultiplyAddRowPair(ref s0, ref s1, Vector128.LoadUnsafe(ref a), Vector128.LoadUnsafe(ref b), w);
                Vector128Widening.MultiplyAddRowPair(ref s2, ref s3, Vector128.LoadUnsafe(ref a, 16), Vector128.LoadUnsafe(ref b, 16), w);
            }
            // The low 16 bits of each 32-bit lane are the even bytes' sums, the high 16 the odd.
            Vector128.Narrow(s0.AsUInt32(), s1.AsUInt32()).StoreUnsafe(ref pe, (nuint)(i >> 1));
            Vector128.Narrow(s0.AsUInt32() >> 16, s1.AsUInt32() >> 16).StoreUnsafe(ref po, (nuint)(i >> 1));
            Vector128.Narrow(s2.AsUInt32(), s3.AsUInt32()).StoreUnsafe(ref pe, (nuint)((i >> 1) + 8));
            Vector128.Narrow(s2.AsUInt32() >> 16, s3.AsUInt32() >> 16).StoreUnsafe(ref po, (nuint)((i >> 1) + 8));
        }
        for (; i + 16 <= bytes; i += 16)
        {
            Vector128<ushort> s0 = bias, s1 = bias;
            ref byte column = ref Unsafe.Add(ref p, i);
            for (int k = 0; k < n; k++)
                Vector128Widening.MultiplyAddRowPair(ref s0, ref s1, Vector128.LoadUnsafe(ref Unsafe.Add(ref column, Unsafe.Add(ref first, k))),
                    Vector128.LoadUnsafe(ref Unsafe.Add(ref column, Unsafe.Add(ref second, k))), Unsafe.Add(ref weights, k));
            Vector128.Narrow(s0.AsUInt32(), s1.AsUInt32()).StoreUnsafe(ref pe, (nuint)(i >> 1));
            Vector128.Narrow(s0.AsUInt32() >> 16, s1.AsUInt32() >> 16).StoreUnsafe(ref po, (nuint)(i >> 1));
        }
        for (; i < bytes; i += 2)
        {
            even[i >> 1] = pairs.ScalarSum(plane, i);
            odd[i >> 1] = pairs.ScalarSum(plane, i + 1);
        }
    }
}
