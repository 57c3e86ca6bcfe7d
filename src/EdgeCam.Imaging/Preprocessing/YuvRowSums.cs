using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// The vertical half of <see cref="YuvBoxFilter"/>: for one tensor row, the weighted sum of its
/// footprint's source rows, straight from the frame's bytes, as a 16-bit row of luma sums (one
/// per pixel) and a 16-bit row of chroma sums (two per pixel pair, in the frame's order). Sixteen
/// source bytes a step with the sums kept in registers across all the footprint's rows, so each
/// sum is stored once. YUYV/UYVY split even and odd bytes with a mask and a shift (luma and chroma
/// fall apart by themselves); NV12/NV21 widen each plane; I420 widens its two chroma planes and
/// interleaves them. A 4:2:0 chroma row's weight is the sum of the weights of the luma rows it
/// serves. <see cref="AreaWeights"/> keeps every sum within 16 bits.
/// </summary>
internal sealed class YuvRowSums
{
    private readonly PixelFormat _format;
    private readonly int _unit;
    private readonly int _lumaStart, _lumaBytes;     // bytes of a luma (or packed) row read
    private readonly int _chromaStart, _chromaBytes; // bytes of a chroma row read (per plane)
    private readonly int _pixels, _pairs;
    // Taps of the current tensor row: byte offsets into the planes and weights.
    private readonly int[] _lumaOffsets = new int[ResizeTables.MaxAreaTaps], _lumaWeights = new int[ResizeTables.MaxAreaTaps];
    private readonly int[] _chromaRows = new int[ResizeTables.MaxAreaTaps], _chromaWeights = new int[ResizeTables.MaxAreaTaps];
    private readonly int[] _offsets1 = new int[ResizeTables.MaxAreaTaps], _offsets2 = new int[ResizeTables.MaxAreaTaps];

    public ushort[] Luma { get; private set; } = [];
    public ushort[] Chroma { get; private set; } = [];

    /// <param name="columnStart">First source column (even).</param>
    public YuvRowSums(PixelFormat format, int columnStart, int columnCount, int unit)
    {
        _format = format;
        _unit = unit;
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
    public int Sum(AxisTaps y, scoped in ImageView s, int dy)
    {
        int n = 0, m = 0, total = 0;
        for (int j = 0; j < y.Taps; j++)
        {
            int w = AreaWeights.Weight(y.WeightD[j * y.Stride + dy], _unit);
            if (w == 0) continue;
            int sy = y.Index[j * y.Stride + dy];
            _lumaOffsets[n] = sy * s.Stride0 + _lumaStart;
            _ = s.Plane0.Slice(_lumaOffsets[n], _lumaBytes); // bounds, once per row: the kernels load unchecked
            _lumaWeights[n++] = w;
            total += w;
            // Taps are consecutive rows, so rows sharing a chroma row are neighbours.
            if (m > 0 && _chromaRows[m - 1] == sy >> 1) _chromaWeights[m - 1] += w;
            else
            {
                _chromaRows[m] = sy >> 1;
                _chromaWeights[m++] = w;
            }
        }
        switch (_format)
        {
            case PixelFormat.Yuyv:
                Packed(s.Plane0, _lumaOffsets, _lumaWeights, n, _lumaBytes, Luma, Chroma);
                break;
            case PixelFormat.Uyvy:
                Packed(s.Plane0, _lumaOffsets, _lumaWeights, n, _lumaBytes, Chroma, Luma);
                break;
            case PixelFormat.Nv12 or PixelFormat.Nv21:
                Widen(s.Plane0, _lumaOffsets, _lumaWeights, n, _lumaBytes, Luma);
                for (int j = 0; j < m; j++)
                {
                    _offsets1[j] = _chromaRows[j] * s.Stride1 + _chromaStart;
                    _ = s.Plane1.Slice(_offsets1[j], _chromaBytes);
                }
                Widen(s.Plane1, _offsets1, _chromaWeights, m, _chromaBytes, Chroma);
                break;
            default:
                Widen(s.Plane0, _lumaOffsets, _lumaWeights, n, _lumaBytes, Luma);
                for (int j = 0; j < m; j++)
                {
                    _offsets1[j] = _chromaRows[j] * s.Stride1 + _chromaStart;
                    _offsets2[j] = _chromaRows[j] * s.Stride2 + _chromaStart;
                    _ = s.Plane1.Slice(_offsets1[j], _chromaBytes);
                    _ = s.Plane2.Slice(_offsets2[j], _chromaBytes);
                }
                Zip(s.Plane1, s.Plane2, _offsets1, _offsets2, _chromaWeights, m, _chromaBytes, Chroma);
                break;
        }
        return total;
    }

    // Packed 4:2:2: even bytes into one row of sums, odd bytes into the other.
    private static void Packed(ReadOnlySpan<byte> plane, int[] offsets, int[] weights, int n, int bytes, ushort[] even, ushort[] odd)
    {
        ref byte p = ref MemoryMarshal.GetReference(plane);
        ref ushort pe = ref MemoryMarshal.GetArrayDataReference(even);
        ref ushort po = ref MemoryMarshal.GetArrayDataReference(odd);
        var low = Vector128.Create((ushort)0xFF);
        int i = 0;
        for (; i + 16 <= bytes; i += 16)
        {
            Vector128<ushort> e = default, o = default;
            for (int j = 0; j < n; j++)
            {
                var v = Vector128.LoadUnsafe(ref p, (nuint)(offsets[j] + i)).AsUInt16();
                var w = Vector128.Create((ushort)weights[j]);
                e += (v & low) * w;
                o += (v >> 8) * w;
            }
            e.StoreUnsafe(ref pe, (nuint)(i >> 1));
            o.StoreUnsafe(ref po, (nuint)(i >> 1));
        }
        for (; i < bytes; i += 2)
        {
            int e = 0, o = 0;
            for (int j = 0; j < n; j++)
            {
                e += weights[j] * plane[offsets[j] + i];
                o += weights[j] * plane[offsets[j] + i + 1];
            }
            even[i >> 1] = (ushort)e;
            odd[i >> 1] = (ushort)o;
        }
    }

    // One plane, byte for byte.
    private static void Widen(ReadOnlySpan<byte> plane, int[] offsets, int[] weights, int n, int bytes, ushort[] dst)
    {
        ref byte p = ref MemoryMarshal.GetReference(plane);
        ref ushort pd = ref MemoryMarshal.GetArrayDataReference(dst);
        int i = 0;
        for (; i + 16 <= bytes; i += 16)
        {
            Vector128<ushort> a0 = default, a1 = default;
            for (int j = 0; j < n; j++)
            {
                var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref p, (nuint)(offsets[j] + i)));
                var w = Vector128.Create((ushort)weights[j]);
                a0 += lo * w;
                a1 += hi * w;
            }
            a0.StoreUnsafe(ref pd, (nuint)i);
            a1.StoreUnsafe(ref pd, (nuint)(i + 8));
        }
        for (; i < bytes; i++)
        {
            int a = 0;
            for (int j = 0; j < n; j++) a += weights[j] * plane[offsets[j] + i];
            dst[i] = (ushort)a;
        }
    }

    // Two chroma planes (I420) into interleaved pairs: dst[2k] from the first, dst[2k + 1] from the second.
    private static void Zip(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, int[] offsets1, int[] offsets2, int[] weights,
        int n, int bytes, ushort[] dst)
    {
        ref byte p1 = ref MemoryMarshal.GetReference(first);
        ref byte p2 = ref MemoryMarshal.GetReference(second);
        ref ushort pd = ref MemoryMarshal.GetArrayDataReference(dst);
        int i = 0;
        for (; i + 16 <= bytes; i += 16)
        {
            Vector128<ushort> a0 = default, a1 = default, b0 = default, b1 = default;
            for (int j = 0; j < n; j++)
            {
                var w = Vector128.Create((ushort)weights[j]);
                var (alo, ahi) = Vector128.Widen(Vector128.LoadUnsafe(ref p1, (nuint)(offsets1[j] + i)));
                var (blo, bhi) = Vector128.Widen(Vector128.LoadUnsafe(ref p2, (nuint)(offsets2[j] + i)));
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
            int a = 0, b = 0;
            for (int j = 0; j < n; j++)
            {
                a += weights[j] * first[offsets1[j] + i];
                b += weights[j] * second[offsets2[j] + i];
            }
            dst[2 * i] = (ushort)a;
            dst[2 * i + 1] = (ushort)b;
        }
    }
}
