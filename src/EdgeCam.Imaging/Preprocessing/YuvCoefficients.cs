namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// YCbCr -> RGB for one colour space, as float multipliers on (Y - yOffset), (Cb - 128), (Cr - 128):
/// R = yScale*Y' + rv*Cr', G = yScale*Y' - gu*Cb' - gv*Cr', B = yScale*Y' + bu*Cb'.
/// Derived from the matrix constants (Kr, Kb) so BT.601 and BT.709, limited (Y 16..235, C 16..240)
/// and full range all come from one formula.
/// </summary>
public readonly record struct YuvCoefficients(float YOffset, float YScale, float Rv, float Gu, float Gv, float Bu)
{
    public static YuvCoefficients For(YuvColorSpace space)
    {
        (double kr, double kb) = space is YuvColorSpace.Bt709Limited or YuvColorSpace.Bt709Full ? (0.2126, 0.0722) : (0.299, 0.114);
        bool limited = space is YuvColorSpace.Bt601Limited or YuvColorSpace.Bt709Limited;
        double kg = 1 - kr - kb;
        double yScale = limited ? 255.0 / 219.0 : 1.0;
        double cScale = limited ? 255.0 / 224.0 : 1.0;
        return new YuvCoefficients(
            YOffset: limited ? 16f : 0f,
            YScale: (float)yScale,
            Rv: (float)(2 * (1 - kr) * cScale),
            Gu: (float)(2 * kb * (1 - kb) / kg * cScale),
            Gv: (float)(2 * kr * (1 - kr) / kg * cScale),
            Bu: (float)(2 * (1 - kb) * cScale));
    }

    /// <summary>One pixel, clamped to 0..255 (kept as float: the fused pass never rounds to 8 bits in between).</summary>
    public void ToRgb(int y, int u, int v, out float r, out float g, out float b) => ToRgb((float)y, u, v, out r, out g, out b);

    /// <summary>Same, for averaged (fractional) Y, Cb, Cr: area filters average YUV before converting.</summary>
    public void ToRgb(float y, float u, float v, out float r, out float g, out float b)
    {
        float yy = (y - YOffset) * YScale, cb = u - 128, cr = v - 128;
        r = Math.Clamp(yy + Rv * cr, 0f, 255f);
        g = Math.Clamp(yy - Gu * cb - Gv * cr, 0f, 255f);
        b = Math.Clamp(yy + Bu * cb, 0f, 255f);
    }
}
