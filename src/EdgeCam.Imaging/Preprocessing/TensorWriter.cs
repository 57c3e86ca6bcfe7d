using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Stores one pixel's channel values (0..255 floats, tensor channel order) at a tensor position,
/// in the plan's layout and element type. Shared by every preprocessor so the output conventions
/// (normalisation, quantisation rounding, layout) exist once.
/// </summary>
public readonly struct TensorWriter
{
    private readonly float[] _scale, _offset;
    private readonly float _inverseQuantScale;
    private readonly int _zeroPoint, _planeSize, _channels;
    private readonly TensorLayout _layout;
    private readonly TensorElement _element;

    public TensorWriter(PreprocessPlan plan)
    {
        _channels = plan.Channels;
        _scale = Expand(plan.Scale, plan.Channels, nameof(plan.Scale));
        _offset = Expand(plan.Offset, plan.Channels, nameof(plan.Offset));
        _inverseQuantScale = 1f / plan.QuantScale;
        _zeroPoint = plan.QuantZeroPoint;
        _planeSize = plan.Width * plan.Height;
        _layout = plan.Layout;
        _element = plan.Element;
    }

    public float Scale(int c) => _scale[c];
    public float Offset(int c) => _offset[c];

    private static float[] Expand(float[] values, int channels, string what)
    {
        if (values.Length == channels) return values;
        if (values.Length == 1) return Enumerable.Repeat(values[0], channels).ToArray();
        if (values.Length >= channels) return values[..channels];
        throw new ArgumentException($"plan {what} has {values.Length} values for {channels} channels");
    }

    /// <summary>Index of channel 0 of pixel <paramref name="pixel"/> and the step between channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (int Index, int ChannelStep) Locate(int pixel) =>
        _layout == TensorLayout.Nhwc ? (pixel * _channels, 1) : (pixel, _planeSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(Span<byte> tensor, int index, int channel, float value)
    {
        switch (_element)
        {
            case TensorElement.Float32:
                Unsafe.Add(ref Unsafe.As<byte, float>(ref MemoryMarshal.GetReference(tensor)), index) = value * _scale[channel] + _offset[channel];
                break;
            case TensorElement.UInt8 when _inverseQuantScale == 1f && _zeroPoint == 0 && _scale[channel] == 1f && _offset[channel] == 0f:
                tensor[index] = (byte)Math.Clamp(MathF.Round(value), 0f, 255f);
                break;
            case TensorElement.UInt8:
                tensor[index] = (byte)Math.Clamp(Quantise(value, channel), 0f, 255f);
                break;
            case TensorElement.Int8:
                tensor[index] = (byte)(sbyte)Math.Clamp(Quantise(value, channel), -128f, 127f);
                break;
        }
    }

    /// <summary>round_half_even(normalised / scale) + zero point, as ONNX QuantizeLinear rounds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Quantise(float value, int channel) =>
        MathF.Round((value * _scale[channel] + _offset[channel]) * _inverseQuantScale, MidpointRounding.ToEven) + _zeroPoint;
}
