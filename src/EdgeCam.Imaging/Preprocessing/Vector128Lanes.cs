using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Operations across the lanes of two or three vectors, which the portable Vector128 API (in .NET
/// 9) offers only as single-vector shuffles: with those, reducing four dot products to one vector
/// took some twenty instructions where x64 and arm64 have three. One instruction each on x64
/// (phaddd, shufps) and arm64 (addp, uzp1/uzp2, st3); elsewhere, and with hardware intrinsics off,
/// portable code computes the same lanes. Like <see cref="Vector128Widening"/>, the platform
/// details stay here so the kernels remain portable code; checked on x64 and, under emulation, on
/// arm64 by the preprocessing property tests.
/// </summary>
internal static class Vector128Lanes
{
    /// <summary>[a0 + a1, a2 + a3, b0 + b1, b2 + b3] (wrapping, as integer addition).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> AddPairwise(Vector128<uint> a, Vector128<uint> b)
    {
        if (Ssse3.IsSupported) return Ssse3.HorizontalAdd(a.AsInt32(), b.AsInt32()).AsUInt32();
        if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.AddPairwise(a, b);
        var sa = a + Vector128.Shuffle(a, Vector128.Create(1u, 0, 3, 2)); // a0+a1 twice, a2+a3 twice
        var sb = b + Vector128.Shuffle(b, Vector128.Create(1u, 0, 3, 2));
        return Vector128.ConditionalSelect(Vector128.Create(uint.MaxValue, uint.MaxValue, 0, 0),
            Vector128.Shuffle(sa, Vector128.Create(0u, 2, 0, 2)), Vector128.Shuffle(sb, Vector128.Create(0u, 2, 0, 2)));
    }

    /// <summary>([a0, a2, b0, b2], [a1, a3, b1, b3]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<uint> Even, Vector128<uint> Odd) Unzip(Vector128<uint> a, Vector128<uint> b)
    {
        if (Sse.IsSupported)
            return (Sse.Shuffle(a.AsSingle(), b.AsSingle(), 0b10_00_10_00).AsUInt32(), Sse.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_11_01).AsUInt32());
        if (AdvSimd.Arm64.IsSupported) return (AdvSimd.Arm64.UnzipEven(a, b), AdvSimd.Arm64.UnzipOdd(a, b));
        var low = Vector128.Create(uint.MaxValue, uint.MaxValue, 0, 0);
        return (Vector128.ConditionalSelect(low, Vector128.Shuffle(a, Vector128.Create(0u, 2, 0, 2)), Vector128.Shuffle(b, Vector128.Create(0u, 2, 0, 2))),
            Vector128.ConditionalSelect(low, Vector128.Shuffle(a, Vector128.Create(1u, 3, 1, 3)), Vector128.Shuffle(b, Vector128.Create(1u, 3, 1, 3))));
    }

    /// <summary>Stores four pixels' channels interleaved: dst[0..12) = a0 b0 c0 a1 b1 c1 ... a3 b3 c3
    /// (the NHWC order of a three-channel tensor).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreInterleaved(Vector128<float> a, Vector128<float> b, Vector128<float> c, ref float dst)
    {
        if (Sse.IsSupported)
        {
            // Each output vector takes two lanes from each of two shuffled pairs.
            Sse.Shuffle(Sse.Shuffle(a, b, 0b01_00_01_00), Sse.Shuffle(c, a, 0b01_01_00_00), 0b10_00_10_00).StoreUnsafe(ref dst);       // a0 b0 c0 a1
            Sse.Shuffle(Sse.Shuffle(b, c, 0b01_01_01_01), Sse.Shuffle(a, b, 0b10_10_10_10), 0b10_00_10_00).StoreUnsafe(ref dst, 4);    // b1 c1 a2 b2
            Sse.Shuffle(Sse.Shuffle(c, a, 0b11_11_10_10), Sse.Shuffle(b, c, 0b11_11_11_11), 0b10_00_10_00).StoreUnsafe(ref dst, 8);    // c2 a3 b3 c3
            return;
        }
        if (AdvSimd.Arm64.IsSupported)
        {
            fixed (float* p = &dst) AdvSimd.Arm64.StoreVectorAndZip(p, (a, b, c)); // st3
            return;
        }
        for (int i = 0; i < 4; i++)
        {
            Unsafe.Add(ref dst, 3 * i) = a.GetElement(i);
            Unsafe.Add(ref dst, 3 * i + 1) = b.GetElement(i);
            Unsafe.Add(ref dst, 3 * i + 2) = c.GetElement(i);
        }
    }
}
