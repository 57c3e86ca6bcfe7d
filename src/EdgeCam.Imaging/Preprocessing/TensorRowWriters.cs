using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Stores one tensor row from interpolated R, G, B rows: channel order, grey conversion,
/// normalisation and layout. Float32 normalises with Vector128 (v * scale + offset, the same two
/// operations <see cref="TensorWriter"/> performs) then copies a plane row (NCHW) or interleaves
/// (NHWC, four pixels a step). uint8/int8 go value by value through <see cref="TensorWriter"/> so rounding and
/// saturation rules exist only there. Letterbox borders also go through it.
/// </summary>
internal sealed class TensorRowWriter
{
    private readonly PreprocessPlan _plan;
    private readonly TensorWriter _writer;
    private readonly Vector128<float>[] _scale, _offset;

    public TensorRowWriter(PreprocessPlan plan)
    {
        _plan = plan;
        _writer = new TensorWriter(plan);
        _scale = new Vector128<float>[plan.Channels];
        _offset = new Vector128<float>[plan.Channels];
        for (int c = 0; c < plan.Channels; c++)
        {
            _scale[c] = Vector128.Create(_writer.Scale(c));
            _offset[c] = Vector128.Create(_writer.Offset(c));
        }
    }

    /// <summary>Pad value into tensor pixels [x0, x1) of row <paramref name="oy"/>.</summary>
    public void Pad(Span<byte> tensor, int oy, int x0, int x1)
    {
        for (int ox = x0; ox < x1; ox++)
        {
            var (index, step) = _writer.Locate(oy * _plan.Width + ox);
            for (int c = 0; c < _plan.Channels; c++) _writer.Write(tensor, index + c * step, c, _plan.PadValue);
        }
    }

    /// <summary>Row <paramref name="oy"/>, pixels dstX .. dstX+count-1, from r/g/b[0..count) (arrays
    /// padded to a multiple of 4; their contents are used as scratch).</summary>
    public void Write(Span<byte> tensor, int oy, int dstX, int count, float[] r, float[] g, float[] b)
    {
        int padded = r.Length;
        float[] c0 = r, c1 = g, c2 = b;
        if (_plan.Channels == 1)
        {
            Luma(r, g, b, padded);
        }
        else if (_plan.Order == ChannelOrder.Bgr)
        {
            c0 = b;
            c2 = r;
        }
        int first = oy * _plan.Width + dstX;
        if (_plan.Element != TensorElement.Float32)
        {
            for (int x = 0; x < count; x++)
            {
                var (index, step) = _writer.Locate(first + x);
                _writer.Write(tensor, index, 0, c0[x]);
                if (_plan.Channels == 1) continue;
                _writer.Write(tensor, index + step, 1, c1[x]);
                _writer.Write(tensor, index + 2 * step, 2, c2[x]);
            }
            return;
        }
        var floats = MemoryMarshal.Cast<byte, float>(tensor);
        Normalise(c0, _scale[0], _offset[0], padded);
        if (_plan.Channels == 1)
        {
            // One channel: NCHW and NHWC are the same memory order.
            c0.AsSpan(0, count).CopyTo(floats.Slice(first));
            return;
        }
        Normalise(c1, _scale[1], _offset[1], padded);
        Normalise(c2, _scale[2], _offset[2], padded);
        if (_plan.Layout == TensorLayout.Nchw)
        {
            int plane = _plan.Width * _plan.Height;
            c0.AsSpan(0, count).CopyTo(floats.Slice(first));
            c1.AsSpan(0, count).CopyTo(floats.Slice(plane + first));
            c2.AsSpan(0, count).CopyTo(floats.Slice(2 * plane + first));
            return;
        }
        // Interleave without per-element bounds checks: one range check for the whole row.
        ref float dst = ref MemoryMarshal.GetReference(floats.Slice(first * 3, count * 3));
        ref float p0 = ref MemoryMarshal.GetArrayDataReference(c0);
        ref float p1 = ref MemoryMarshal.GetArrayDataReference(c1);
        ref float p2 = ref MemoryMarshal.GetArrayDataReference(c2);
        int i = 0;
        for (; i + 4 <= count; i += 4)
            Vector128Lanes.StoreInterleaved(Vector128.LoadUnsafe(ref p0, (nuint)i), Vector128.LoadUnsafe(ref p1, (nuint)i),
                Vector128.LoadUnsafe(ref p2, (nuint)i), ref Unsafe.Add(ref dst, 3 * i));
        for (; i < count; i++)
        {
            ref float o = ref Unsafe.Add(ref dst, 3 * i);
            o = Unsafe.Add(ref p0, i);
            Unsafe.Add(ref o, 1) = Unsafe.Add(ref p1, i);
            Unsafe.Add(ref o, 2) = Unsafe.Add(ref p2, i);
        }
    }

    // The reference's grey: 0.299 R + 0.587 G + 0.114 B, left to right, into r.
    private static void Luma(float[] r, float[] g, float[] b, int n)
    {
        var kr = Vector128.Create(0.299f);
        var kg = Vector128.Create(0.587f);
        var kb = Vector128.Create(0.114f);
        ref float pr = ref MemoryMarshal.GetArrayDataReference(r);
        ref float pg = ref MemoryMarshal.GetArrayDataReference(g);
        ref float pb = ref MemoryMarshal.GetArrayDataReference(b);
        for (int i = 0; i < n; i += 4)
            (kr * Vector128.LoadUnsafe(ref pr, (nuint)i) + kg * Vector128.LoadUnsafe(ref pg, (nuint)i) + kb * Vector128.LoadUnsafe(ref pb, (nuint)i))
                .StoreUnsafe(ref pr, (nuint)i);
    }

    private static void Normalise(float[] v, Vector128<float> scale, Vector128<float> offset, int n)
    {
        ref float p = ref MemoryMarshal.GetArrayDataReference(v);
        for (int i = 0; i < n; i += 4)
            (Vector128.LoadUnsafe(ref p, (nuint)i) * scale + offset).StoreUnsafe(ref p, (nuint)i);
    }
}
