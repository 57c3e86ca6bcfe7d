using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Converts a span of one source row to planar float R, G, B (0..255), four pixels a step with
/// Vector128: one 16-byte load, then a byte shuffle per channel that drops each wanted byte into
/// the low byte of a 32-bit lane (index 0xFF gives 0), so "widen to int" is free and one
/// ConvertToSingle gives the floats. Shuffle masks are written as literal constants at each call
/// because the JIT only turns a constant-index Shuffle into one pshufb/tbl instruction.
/// Loads never reach past the end of the plane: the last pixels of the last rows, and any count
/// not a multiple of 4, go through <see cref="PixelReader"/>, which is also the scalar reference's
/// own reader, so tails are right by construction. The YUV arithmetic repeats
/// <see cref="YuvCoefficients.ToRgb"/> operation for operation (no fused multiply-add), so
/// results are bit-identical to the reference.
/// </summary>
internal static class RowConverters
{
    private const byte Z = 0xFF;

    /// <summary>Source row <paramref name="sy"/>, columns x0 .. x0+count-1 (x0 even) into r, g, b[0..count).</summary>
    public static void Convert(scoped in ImageView s, int sy, int x0, int count, in YuvCoefficients yuv, float[] r, float[] g, float[] b)
    {
        int done = s.Format switch
        {
            PixelFormat.Rgb24 => Packed3(s.Plane0.Slice(sy * s.Stride0 + x0 * 3), count, r, g, b),
            PixelFormat.Bgr24 => Packed3(s.Plane0.Slice(sy * s.Stride0 + x0 * 3), count, b, g, r),
            PixelFormat.Rgba32 => Packed4(s.Plane0.Slice(sy * s.Stride0 + x0 * 4), count, r, g, b),
            PixelFormat.Bgra32 => Packed4(s.Plane0.Slice(sy * s.Stride0 + x0 * 4), count, b, g, r),
            PixelFormat.Grey8 => Grey(s.Plane0.Slice(sy * s.Stride0 + x0), count, r, g, b),
            PixelFormat.Yuyv or PixelFormat.Uyvy =>
                Packed422(s.Plane0.Slice(sy * s.Stride0 + x0 * 2), count, s.Format == PixelFormat.Uyvy, new YuvVectors(yuv), r, g, b),
            PixelFormat.Nv12 or PixelFormat.Nv21 =>
                SemiPlanar(s.Plane0.Slice(sy * s.Stride0 + x0), s.Plane1.Slice((sy >> 1) * s.Stride1 + x0), count,
                    s.Format == PixelFormat.Nv21, new YuvVectors(yuv), r, g, b),
            PixelFormat.I420 =>
                Planar(s.Plane0.Slice(sy * s.Stride0 + x0), s.Plane1.Slice((sy >> 1) * s.Stride1 + (x0 >> 1)),
                    s.Plane2.Slice((sy >> 1) * s.Stride2 + (x0 >> 1)), count, new YuvVectors(yuv), r, g, b),
            _ => throw new NotSupportedException($"pixel format {s.Format}"),
        };
        for (int i = done; i < count; i++)
            PixelReader.ReadRgb(s, x0 + i, sy, yuv, out r[i], out g[i], out b[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Lanes(Vector128<byte> picked) => Vector128.ConvertToSingle(picked.AsInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<float> v, float[] dst, int i) =>
        v.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(dst), (nuint)i);

    private static int Packed3(ReadOnlySpan<byte> row, int count, float[] c0, float[] c1, float[] c2)
    {
        ref byte p = ref MemoryMarshal.GetReference(row);
        int i = 0;
        for (; i + 4 <= count && i * 3 + 16 <= row.Length; i += 4)
        {
            var v = Vector128.LoadUnsafe(ref p, (nuint)(i * 3));
            Store(Lanes(Vector128.Shuffle(v, Vector128.Create((byte)0, Z, Z, Z, 3, Z, Z, Z, 6, Z, Z, Z, 9, Z, Z, Z))), c0, i);
            Store(Lanes(Vector128.Shuffle(v, Vector128.Create((byte)1, Z, Z, Z, 4, Z, Z, Z, 7, Z, Z, Z, 10, Z, Z, Z))), c1, i);
            Store(Lanes(Vector128.Shuffle(v, Vector128.Create((byte)2, Z, Z, Z, 5, Z, Z, Z, 8, Z, Z, Z, 11, Z, Z, Z))), c2, i);
        }
        return i;
    }

    private static int Packed4(ReadOnlySpan<byte> row, int count, float[] c0, float[] c1, float[] c2)
    {
        ref byte p = ref MemoryMarshal.GetReference(row);
        int i = 0;
        for (; i + 4 <= count && i * 4 + 16 <= row.Length; i += 4)
        {
            var v = Vector128.LoadUnsafe(ref p, (nuint)(i * 4));
            Store(Lanes(Vector128.Shuffle(v, Vector128.Create((byte)0, Z, Z, Z, 4, Z, Z, Z, 8, Z, Z, Z, 12, Z, Z, Z))), c0, i);
            Store(Lanes(Vector128.Shuffle(v, Vector128.Create((byte)1, Z, Z, Z, 5, Z, Z, Z, 9, Z, Z, Z, 13, Z, Z, Z))), c1, i);
            Store(Lanes(Vector128.Shuffle(v, Vector128.Create((byte)2, Z, Z, Z, 6, Z, Z, Z, 10, Z, Z, Z, 14, Z, Z, Z))), c2, i);
        }
        return i;
    }

    private static int Grey(ReadOnlySpan<byte> row, int count, float[] r, float[] g, float[] b)
    {
        ref byte p = ref MemoryMarshal.GetReference(row);
        int i = 0;
        for (; i + 4 <= count && i + 16 <= row.Length; i += 4)
        {
            var v = Lanes(Vector128.Shuffle(Vector128.LoadUnsafe(ref p, (nuint)i), Vector128.Create((byte)0, Z, Z, Z, 1, Z, Z, Z, 2, Z, Z, Z, 3, Z, Z, Z)));
            Store(v, r, i);
            Store(v, g, i);
            Store(v, b, i);
        }
        return i;
    }

    // YUYV: Y0 U Y1 V; UYVY: U Y0 V Y1. Four pixels are two pairs = 8 bytes; chroma duplicated per pair.
    private static int Packed422(ReadOnlySpan<byte> row, int count, bool uyvy, in YuvVectors c, float[] r, float[] g, float[] b)
    {
        ref byte p = ref MemoryMarshal.GetReference(row);
        int i = 0;
        for (; i + 4 <= count && i * 2 + 16 <= row.Length; i += 4)
        {
            var v = Vector128.LoadUnsafe(ref p, (nuint)(i * 2));
            if (uyvy)
                c.ToRgb(Lanes(Vector128.Shuffle(v, Vector128.Create((byte)1, Z, Z, Z, 3, Z, Z, Z, 5, Z, Z, Z, 7, Z, Z, Z))),
                    Lanes(Vector128.Shuffle(v, Vector128.Create((byte)0, Z, Z, Z, 0, Z, Z, Z, 4, Z, Z, Z, 4, Z, Z, Z))),
                    Lanes(Vector128.Shuffle(v, Vector128.Create((byte)2, Z, Z, Z, 2, Z, Z, Z, 6, Z, Z, Z, 6, Z, Z, Z))), r, g, b, i);
            else
                c.ToRgb(Lanes(Vector128.Shuffle(v, Vector128.Create((byte)0, Z, Z, Z, 2, Z, Z, Z, 4, Z, Z, Z, 6, Z, Z, Z))),
                    Lanes(Vector128.Shuffle(v, Vector128.Create((byte)1, Z, Z, Z, 1, Z, Z, Z, 5, Z, Z, Z, 5, Z, Z, Z))),
                    Lanes(Vector128.Shuffle(v, Vector128.Create((byte)3, Z, Z, Z, 3, Z, Z, Z, 7, Z, Z, Z, 7, Z, Z, Z))), r, g, b, i);
        }
        return i;
    }

    // NV12: chroma row U V U V at half resolution; NV21: V U. x0 is even, so chroma byte 2k pairs with pixels 2k, 2k+1.
    private static int SemiPlanar(ReadOnlySpan<byte> luma, ReadOnlySpan<byte> chroma, int count, bool nv21, in YuvVectors c,
        float[] r, float[] g, float[] b)
    {
        ref byte py = ref MemoryMarshal.GetReference(luma);
        ref byte pc = ref MemoryMarshal.GetReference(chroma);
        int i = 0;
        for (; i + 4 <= count && i + 16 <= luma.Length && i + 16 <= chroma.Length; i += 4)
        {
            var y = Lanes(Vector128.Shuffle(Vector128.LoadUnsafe(ref py, (nuint)i), Vector128.Create((byte)0, Z, Z, Z, 1, Z, Z, Z, 2, Z, Z, Z, 3, Z, Z, Z)));
            var ch = Vector128.LoadUnsafe(ref pc, (nuint)i);
            var first = Lanes(Vector128.Shuffle(ch, Vector128.Create((byte)0, Z, Z, Z, 0, Z, Z, Z, 2, Z, Z, Z, 2, Z, Z, Z)));
            var second = Lanes(Vector128.Shuffle(ch, Vector128.Create((byte)1, Z, Z, Z, 1, Z, Z, Z, 3, Z, Z, Z, 3, Z, Z, Z)));
            if (nv21) c.ToRgb(y, second, first, r, g, b, i);
            else c.ToRgb(y, first, second, r, g, b, i);
        }
        return i;
    }

    private static int Planar(ReadOnlySpan<byte> luma, ReadOnlySpan<byte> us, ReadOnlySpan<byte> vs, int count, in YuvVectors c,
        float[] r, float[] g, float[] b)
    {
        ref byte py = ref MemoryMarshal.GetReference(luma);
        ref byte pu = ref MemoryMarshal.GetReference(us);
        ref byte pv = ref MemoryMarshal.GetReference(vs);
        int i = 0;
        for (; i + 4 <= count && i + 16 <= luma.Length && (i >> 1) + 16 <= us.Length && (i >> 1) + 16 <= vs.Length; i += 4)
        {
            var y = Lanes(Vector128.Shuffle(Vector128.LoadUnsafe(ref py, (nuint)i), Vector128.Create((byte)0, Z, Z, Z, 1, Z, Z, Z, 2, Z, Z, Z, 3, Z, Z, Z)));
            var u = Lanes(Vector128.Shuffle(Vector128.LoadUnsafe(ref pu, (nuint)(i >> 1)), Vector128.Create((byte)0, Z, Z, Z, 0, Z, Z, Z, 1, Z, Z, Z, 1, Z, Z, Z)));
            var v = Lanes(Vector128.Shuffle(Vector128.LoadUnsafe(ref pv, (nuint)(i >> 1)), Vector128.Create((byte)0, Z, Z, Z, 0, Z, Z, Z, 1, Z, Z, Z, 1, Z, Z, Z)));
            c.ToRgb(y, u, v, r, g, b, i);
        }
        return i;
    }

    /// <summary><see cref="YuvCoefficients"/> broadcast to lanes once per row.</summary>
    internal readonly struct YuvVectors(in YuvCoefficients k)
    {
        private readonly Vector128<float> _yOffset = Vector128.Create(k.YOffset), _yScale = Vector128.Create(k.YScale),
            _rv = Vector128.Create(k.Rv), _gu = Vector128.Create(k.Gu), _gv = Vector128.Create(k.Gv), _bu = Vector128.Create(k.Bu);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void ToRgb(Vector128<float> y, Vector128<float> u, Vector128<float> v, float[] r, float[] g, float[] b, int i)
        {
            var (vr, vg, vb) = ToRgb(y, u, v);
            Store(vr, r, i);
            Store(vg, g, i);
            Store(vb, b, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector128<float> R, Vector128<float> G, Vector128<float> B) ToRgb(Vector128<float> y, Vector128<float> u, Vector128<float> v)
        {
            // Same operations, same order as YuvCoefficients.ToRgb; Max then Min is Math.Clamp for
            // finite values (these always are). The Native forms are one maxps/minps (fmax/fmin):
            // .NET 9's Vector128.Max/Min follow IEEE 754-2019 for NaN and -0 and cost several
            // instructions each, a third of the box filter's time per tensor pixel.
            var half = Vector128.Create(128f);
            var lo = Vector128<float>.Zero;
            var hi = Vector128.Create(255f);
            var yy = (y - _yOffset) * _yScale;
            var cb = u - half;
            var cr = v - half;
            return (Vector128.MinNative(Vector128.MaxNative(yy + _rv * cr, lo), hi),
                Vector128.MinNative(Vector128.MaxNative(yy - _gu * cb - _gv * cr, lo), hi),
                Vector128.MinNative(Vector128.MaxNative(yy + _bu * cb, lo), hi));
        }
    }
}
