namespace EdgeCam.ModelTool.Quantization;

/// <summary>Scale and zero point of one quantised tensor (or one channel of it).</summary>
public readonly record struct QuantParams(float Scale, int ZeroPoint)
{
    /// <summary>Asymmetric parameters over a range widened to contain 0 (so 0 is exact, as
    /// padding and ReLU need).</summary>
    public static QuantParams Asymmetric(ValueRange range, bool unsigned)
    {
        int qmin = unsigned ? 0 : -128, qmax = unsigned ? 255 : 127;
        float lo = Math.Min(range.Min, 0f), hi = Math.Max(range.Max, 0f);
        if (!(hi > lo)) return new QuantParams(1f, unsigned ? 0 : 0);
        float scale = (hi - lo) / (qmax - qmin);
        int zeroPoint = (int)Math.Clamp(MathF.Round(qmin - lo / scale), qmin, qmax);
        return new QuantParams(scale, zeroPoint);
    }

    /// <summary>Symmetric int8 over [-max|w|, max|w|] with zero point 0, codes -127..127.</summary>
    public static QuantParams Symmetric(float maxAbs) => new(maxAbs > 0 ? maxAbs / 127f : 1f, 0);

    public int Quantize(float value, int qmin, int qmax) => (int)Math.Clamp(MathF.Round(value / Scale) + ZeroPoint, qmin, qmax);
}
