namespace EdgeCam.Imaging.Preprocessing;

public enum TensorLayout { Nchw, Nhwc }

public enum ChannelOrder { Rgb, Bgr }

/// <summary>How the source image is fitted into the model's input size.</summary>
public enum ResizeMode
{
    /// <summary>Scale each axis independently to fill the input; aspect ratio not kept.</summary>
    Stretch,
    /// <summary>Scale uniformly to fit inside the input, centred, borders filled with the pad value.</summary>
    Letterbox,
    /// <summary>Scale uniformly to cover the input and cut the overhang equally on both sides.</summary>
    CenterCrop,
}

public enum Interpolation { Nearest, Bilinear, Area }

/// <summary>Element type written into the tensor.</summary>
public enum TensorElement { Float32, UInt8, Int8 }

/// <summary>
/// Everything the frame-to-tensor pass needs to know, fixed for a model. A channel value v in
/// 0..255 (after colour conversion and resize) becomes <c>v * Scale[c] + Offset[c]</c> for
/// float32; for quantised int8/uint8 inputs that float is then divided by
/// <see cref="QuantScale"/>, rounded to nearest even, offset by <see cref="QuantZeroPoint"/>
/// and saturated. Plain uint8 stores v itself.
/// Channels are indexed in the tensor's order (after <see cref="ChannelOrder"/> is applied).
/// </summary>
public sealed record PreprocessPlan
{
    public required int Width { get; init; }
    public required int Height { get; init; }
    /// <summary>1 (grey) or 3 (colour).</summary>
    public int Channels { get; init; } = 3;
    public TensorLayout Layout { get; init; } = TensorLayout.Nchw;
    public ChannelOrder Order { get; init; } = ChannelOrder.Rgb;
    public TensorElement Element { get; init; } = TensorElement.Float32;
    public ResizeMode Resize { get; init; } = ResizeMode.Stretch;
    public Interpolation Interpolation { get; init; } = Interpolation.Bilinear;
    /// <summary>The 0..255 value that letterbox borders take before normalisation.</summary>
    public byte PadValue { get; init; }
    public float[] Scale { get; init; } = [1f, 1f, 1f];
    public float[] Offset { get; init; } = [0f, 0f, 0f];
    public float QuantScale { get; init; } = 1f;
    public int QuantZeroPoint { get; init; }
    /// <summary>YUV sources: the colour matrix and range the camera reports.</summary>
    public YuvColorSpace YuvColorSpace { get; init; } = YuvColorSpace.Bt601Limited;
    /// <summary>Optional region of interest in source pixels, applied before the fit.</summary>
    public CropRect? SourceCrop { get; init; }
    public bool FlipHorizontal { get; init; }
    /// <summary>Rotate the source by 180 degrees (camera mounted upside down).</summary>
    public bool Rotate180 { get; init; }

    /// <summary>Bytes the tensor occupies.</summary>
    public int TensorBytes => Width * Height * Channels * (Element == TensorElement.Float32 ? 4 : 1);
}

public enum YuvColorSpace { Bt601Limited, Bt601Full, Bt709Limited, Bt709Full }

public readonly record struct CropRect(int X, int Y, int Width, int Height);
