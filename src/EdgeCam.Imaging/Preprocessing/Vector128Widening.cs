using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// The widening operations the preprocessing needs that the portable Vector128 API (in .NET 9)
/// does not compile to a single instruction on every platform: a byte widen (see <see cref="Widen"/>) and a 16-bit multiply whose products are added in 32-bit
/// lanes, adjacent pairs added. x64 has it as pmaddwd, arm64 as smull + smull2 + addp; elsewhere
/// (and with hardware intrinsics off) the portable widen-multiply-shuffle computes the same lanes. Kept here so the kernels stay
/// portable code (the ImageSharp way: platform details in a few helpers). Checked on x64 and, under
/// emulation, on arm64 by the preprocessing property tests (tests/arm64/PreprocessCheck).
/// </summary>
internal static class Vector128Widening
{
    /// <summary>The sixteen bytes zero-extended to two vectors of eight 16-bit values (as
    /// <see cref="Vector128.Widen(Vector128{byte})"/>). On x64 the upper half is one punpckhbw with
    /// zero; .NET 9 emits a byte shift and a pmovzxbw for it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<ushort> Lower, Vector128<ushort> Upper) Widen(Vector128<byte> v)
    {
        if (Sse2.IsSupported)
            return (Sse2.UnpackLow(v, Vector128<byte>.Zero).AsUInt16(), Sse2.UnpackHigh(v, Vector128<byte>.Zero).AsUInt16());
        return Vector128.Widen(v);
    }

    /// <summary>[a0·b0 + a1·b1, a2·b2 + a3·b3, a4·b4 + a5·b5, a6·b6 + a7·b7] for eight signed 16-bit
    /// values each, in 32-bit lanes (exact: every lane fits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MultiplyAddAdjacent(Vector128<short> a, Vector128<short> b)
    {
        if (Sse2.IsSupported) return Sse2.MultiplyAddAdjacent(a, b);
        if (AdvSimd.Arm64.IsSupported)
            return AdvSimd.Arm64.AddPairwise(AdvSimd.MultiplyWideningLower(a.GetLower(), b.GetLower()), AdvSimd.MultiplyWideningUpper(a, b));
        var (a0, a1) = Vector128.Widen(a);
        var (b0, b1) = Vector128.Widen(b);
        var p0 = a0 * b0;
        var p1 = a1 * b1;
        p0 += Vector128.Shuffle(p0, Vector128.Create(1, 0, 3, 2));
        p1 += Vector128.Shuffle(p1, Vector128.Create(1, 0, 3, 2));
        return Vector128.ConditionalSelect(Vector128.Create(-1, -1, 0, 0),
            Vector128.Shuffle(p0, Vector128.Create(0, 2, 0, 2)), Vector128.Shuffle(p1, Vector128.Create(0, 2, 0, 2)));
    }

    /// <summary>The largest sum of a pair's two weights: pmaddubsw multiplies bytes by signed
    /// bytes and adds two products into a signed 16-bit lane, so 255 x (first + second) must stay
    /// below 32768: 255 x 128 = 32640 does.</summary>
    public const int MaxRowPairWeights = 128;

    /// <summary>lower/upper += first x a + second x b, for sixteen bytes of two source rows, as two
    /// vectors of eight 16-bit sums (wrapping, so exact wherever the final sum fits 16 bits).
    /// The two weights add up to at most <see cref="MaxRowPairWeights"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAddRowPair(ref Vector128<ushort> lower, ref Vector128<ushort> upper, Vector128<byte> a, Vector128<byte> b, in RowPairWeights w)
    {
        if (Ssse3.IsSupported)
        {
            lower += Ssse3.MultiplyAddAdjacent(Sse2.UnpackLow(a, b), w.Interleaved.AsSByte()).AsUInt16();
            upper += Ssse3.MultiplyAddAdjacent(Sse2.UnpackHigh(a, b), w.Interleaved.AsSByte()).AsUInt16();
            return;
        }
        if (AdvSimd.Arm64.IsSupported)
        {
            lower = AdvSimd.MultiplyWideningLowerAndAdd(AdvSimd.MultiplyWideningLowerAndAdd(lower, a.GetLower(), w.First.GetLower()), b.GetLower(), w.Second.GetLower());
            upper = AdvSimd.MultiplyWideningUpperAndAdd(AdvSimd.MultiplyWideningUpperAndAdd(upper, a, w.First), b, w.Second);
            return;
        }
        var (a0, a1) = Vector128.Widen(a);
        var (b0, b1) = Vector128.Widen(b);
        var first = Vector128.WidenLower(w.First);
        var second = Vector128.WidenLower(w.Second);
        lower += a0 * first + b0 * second;
        upper += a1 * first + b1 * second;
    }
}

/// <summary>Two source rows' weights for <see cref="Vector128Widening.MultiplyAddRowPair"/>, in the
/// forms the platforms' instructions take: interleaved (x64) and broadcast (arm64, portable).</summary>
internal readonly struct RowPairWeights(int first, int second)
{
    public readonly int FirstWeight = first, SecondWeight = second;
    public readonly Vector128<byte> Interleaved = Vector128.Create((ushort)(first | second << 8)).AsByte();
    public readonly Vector128<byte> First = Vector128.Create((byte)first), Second = Vector128.Create((byte)second);
}
