using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Stores one tensor row from interpolated R, G, B rows: channel order, grey conversion,
/// normalisation and layout. Float32 normalises with Vector128 (v * scale + offset, the same two
/// operations <see cref="TensorWriter"/> performs) straight into a plane row (NCHW) or, four pixels a
/// step, interleaved (NHWC). uint8/int8 go value by value through <see cref="TensorWriter"/> so rounding and
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
        if (_plan.Channels == 1)
        {
            // One channel: NCHW and NHWC are the same memory order.
            Normalise(c0, _scale[0], _offset[0], count, floats.Slice(first, count));
            return;
        }
        if (_plan.Layout == TensorLayout.Nchw)
        {
            int plane = _plan.Width * _plan.Height;
            Normalise(c0, _scale[0], _offset[0], count, floats.Slice(first, count));
            Normalise(c1, _scale[1], _offset[1], count, floats.Slice(plane + first, count));
            Normalise(c2, _scale[2], _offset[2], count, floats.Slice(2 * plane + first, count));
            return;
        }
        // Normalised and interleaved in one pass, without per-element bounds checks: one range
        // check for the whole row.
        ref float dst = ref MemoryMarshal.GetReference(floats.Slice(first * 3, count * 3));
        ref float p0 = ref MemoryMarshal.GetArrayDataReference(c0);
        ref float p1 = ref MemoryMarshal.GetArrayDataReference(c1);
        ref float p2 = ref MemoryMarshal.GetArrayDataReference(c2);
        var (s0, s1, s2, o0, o1, o2) = (_scale[0], _scale[1], _scale[2], _offset[0], _offset[1], _offset[2]);
        int i = 0;
        for (; i + 4 <= count; i += 4)
            Vector128Lanes.StoreInterleaved(Vector128.LoadUnsafe(ref p0, (nuint)i) * s0 + o0, Vector128.LoadUnsafe(ref p1, (nuint)i) * s1 + o1,
                Vector128.LoadUnsafe(ref p2, (nuint)i) * s2 + o2, ref Unsafe.Add(ref dst, 3 * i));
        if (i == count) return;
        // The last one to three pixels: normalised as vectors (the rows are padded to a multiple
        // of 4), stored one by one.
        var (t0, t1, t2) = (Vector128.LoadUnsafe(ref p0, (nuint)i) * s0 + o0, Vector128.LoadUnsafe(ref p1, (nuint)i) * s1 + o1,
            Vector128.LoadUnsafe(ref p2, (nuint)i) * s2 + o2);
        for (int k = 0; i < count; i++, k++)
        {
            ref float o = ref Unsafe.Add(ref dst, 3 * i);
            o = t0.GetElement(k);
            Unsafe.Add(ref o, 1) = t1.GetElement(k);
            Unsafe.Add(ref o, 2) = t2.GetElement(k);
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

    // v * scale + offset for the row's pixels, straight into the tensor.
    private static void Normalise(float[] v, Vector128<float> scale, Vector128<float> offset, int count, Span<float> dst)
    {
        ref float p = ref MemoryMarshal.GetArrayDataReference(v);
        ref float d = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        for (; i + 4 <= count; i += 4)
            (Vector128.LoadUnsafe(ref p, (nuint)i) * scale + offset).StoreUnsafe(ref d, (nuint)i);
        for (; i < count; i++)
            Unsafe.Add(ref d, i) = Unsafe.Add(ref p, i) * scale.GetElement(0) + offset.GetElement(0);
    }
}
