namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Integer weights for the area filter on YUV sources. A footprint's per-axis overlap w (0..1 of a
/// source pixel) becomes round(w * unit) with <c>unit = 256 / (ceil(scale) + 1)</c>: a footprint
/// spans at most ceil(scale) + 1 samples per axis, so the weights of one axis sum to at most 256,
/// and a weighted column sum of 8-bit samples (at most 255 * 256) fits a 16-bit lane. That is what
/// lets the fast path average YUV at source resolution in 16-bit integer lanes, eight samples per
/// vector. Integer sums are exact in any order, so the fast path and the reference agree exactly.
/// The quantisation moves an edge weight by at most 1/(2 unit) of a pixel (1/102 of a pixel at
/// 640x480 -> 128x128, 1/50 at 1920x1080 -> 128x128).
/// </summary>
public static class AreaWeights
{
    public static int Unit(double scale) => Math.Max(1, 256 / ((int)Math.Ceiling(scale) + 1));

    /// <summary>A positive overlap never rounds to nothing (extreme upscales keep a weight).</summary>
    public static int Weight(double overlap, int unit) => overlap > 0 ? Math.Max(1, (int)Math.Round(overlap * unit)) : 0;
}
