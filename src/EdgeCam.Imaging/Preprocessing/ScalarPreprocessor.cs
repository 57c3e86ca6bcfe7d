using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// The reference frame-to-tensor pass: simple and obviously right, one output pixel at a time,
/// straight from the source into the tensor (no intermediate image). Every fast path is tested
/// against it. Conventions:
/// <list type="bullet">
/// <item>Bilinear follows OpenCV's INTER_LINEAR pixel centres: src = (dst + 0.5) * scale - 0.5,
/// neighbours clamped to the sampled region's edge.</item>
/// <item>Colour is converted per source pixel, then interpolated (as "cvtColor, then resize"), except
/// for Area on YUV sources (next item).</item>
/// <item>Area averages the source footprint of each tensor pixel with fractional edge weights;
/// Bilinear switches to Area by itself for downscales beyond 2x, where bilinear aliases. On YUV
/// sources Area averages Y, Cb, Cr (integer weights) and converts the average: see
/// <see cref="AreaYuv"/>.</item>
/// <item>One-channel output is luma 0.299 R + 0.587 G + 0.114 B.</item>
/// <item>Values stay float until the tensor: uint8 outputs round half away from zero at the end,
/// quantised outputs round half to even.</item>
/// </list>
/// </summary>
public sealed class ScalarPreprocessor(PreprocessPlan plan) : IPreprocessor
{
    private readonly TensorWriter _writer = new(PlanCheck.Validated(plan));
    private readonly YuvCoefficients _yuv = YuvCoefficients.For(plan.YuvColorSpace);

    public PreprocessPlan Plan { get; } = plan;

    public InputMapping Run(scoped in ImageView source, Span<byte> tensor)
    {
        PlanCheck.Tensor(Plan, tensor);
        var fit = FitGeometry.Compute(Plan, source.Width, source.Height);
        var interpolation = EffectiveInterpolation(Plan.Interpolation, fit);
        bool mirrorX = Plan.FlipHorizontal ^ Plan.Rotate180, mirrorY = Plan.Rotate180;
        int channels = Plan.Channels;
        bool bgr = Plan.Order == ChannelOrder.Bgr;
        Span<float> rgb = stackalloc float[3];

        for (int oy = 0; oy < Plan.Height; oy++)
        {
            for (int ox = 0; ox < Plan.Width; ox++)
            {
                var (index, step) = _writer.Locate(oy * Plan.Width + ox);
                bool inside = ox >= fit.DstX && ox < fit.DstX + fit.DstWidth && oy >= fit.DstY && oy < fit.DstY + fit.DstHeight;
                if (!inside)
                {
                    for (int c = 0; c < channels; c++) _writer.Write(tensor, index + c * step, c, Plan.PadValue);
                    continue;
                }
                Sample(source, fit, interpolation, ox - fit.DstX, oy - fit.DstY, mirrorX, mirrorY, rgb);
                if (channels == 1)
                {
                    _writer.Write(tensor, index, 0, 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]);
                    continue;
                }
                _writer.Write(tensor, index, 0, bgr ? rgb[2] : rgb[0]);
                _writer.Write(tensor, index + step, 1, rgb[1]);
                _writer.Write(tensor, index + 2 * step, 2, bgr ? rgb[0] : rgb[2]);
            }
        }
        return fit.Mapping(Plan, source.Width, source.Height);
    }

    internal static Interpolation EffectiveInterpolation(Interpolation requested, in FitGeometry fit) =>
        requested == Interpolation.Bilinear && (fit.ScaleX > 2 || fit.ScaleY > 2) ? Interpolation.Area : requested;

    private void Sample(scoped in ImageView source, in FitGeometry fit, Interpolation interpolation, int dx, int dy,
        bool mirrorX, bool mirrorY, Span<float> rgb)
    {
        int rx0 = fit.RegionX, rx1 = fit.RegionX + fit.RegionWidth - 1;
        int ry0 = fit.RegionY, ry1 = fit.RegionY + fit.RegionHeight - 1;
        switch (interpolation)
        {
            case Interpolation.Nearest:
            {
                int sx = Math.Clamp((int)Math.Floor(fit.SrcX + (dx + 0.5) * fit.ScaleX), rx0, rx1);
                int sy = Math.Clamp((int)Math.Floor(fit.SrcY + (dy + 0.5) * fit.ScaleY), ry0, ry1);
                Read(source, Mirror(sx, rx0, rx1, mirrorX), Mirror(sy, ry0, ry1, mirrorY), rgb, 1f, clear: true);
                return;
            }
            case Interpolation.Bilinear:
            {
                double fx = fit.SrcX + (dx + 0.5) * fit.ScaleX - 0.5, fy = fit.SrcY + (dy + 0.5) * fit.ScaleY - 0.5;
                int x0 = (int)Math.Floor(fx), y0 = (int)Math.Floor(fy);
                float wx = (float)(fx - x0), wy = (float)(fy - y0);
                int xa = Math.Clamp(x0, rx0, rx1), xb = Math.Clamp(x0 + 1, rx0, rx1);
                int ya = Math.Clamp(y0, ry0, ry1), yb = Math.Clamp(y0 + 1, ry0, ry1);
                xa = Mirror(xa, rx0, rx1, mirrorX); xb = Mirror(xb, rx0, rx1, mirrorX);
                ya = Mirror(ya, ry0, ry1, mirrorY); yb = Mirror(yb, ry0, ry1, mirrorY);
                rgb.Clear();
                Read(source, xa, ya, rgb, (1 - wx) * (1 - wy), clear: false);
                Read(source, xb, ya, rgb, wx * (1 - wy), clear: false);
                Read(source, xa, yb, rgb, (1 - wx) * wy, clear: false);
                Read(source, xb, yb, rgb, wx * wy, clear: false);
                return;
            }
            case Interpolation.Area when PixelReader.IsYuv(source.Format):
                AreaYuv(source, fit, dx, dy, mirrorX, mirrorY, rgb);
                return;
            default:
            {
                // Area: the footprint [x0, x1) x [y0, y1) in source coordinates, partial pixels weighted.
                double x0 = fit.SrcX + dx * fit.ScaleX, x1 = x0 + fit.ScaleX;
                double y0 = fit.SrcY + dy * fit.ScaleY, y1 = y0 + fit.ScaleY;
                rgb.Clear();
                double total = 0;
                for (int sy = (int)Math.Floor(y0); sy < y1; sy++)
                {
                    double wy = Math.Min(sy + 1, y1) - Math.Max(sy, y0);
                    if (wy <= 0) continue;
                    for (int sx = (int)Math.Floor(x0); sx < x1; sx++)
                    {
                        double wx = Math.Min(sx + 1, x1) - Math.Max(sx, x0);
                        if (wx <= 0) continue;
                        int cx = Mirror(Math.Clamp(sx, rx0, rx1), rx0, rx1, mirrorX);
                        int cy = Mirror(Math.Clamp(sy, ry0, ry1), ry0, ry1, mirrorY);
                        Read(source, cx, cy, rgb, (float)(wx * wy), clear: false);
                        total += wx * wy;
                    }
                }
                float inv = (float)(1 / total);
                rgb[0] *= inv; rgb[1] *= inv; rgb[2] *= inv;
                return;
            }
        }
    }

    /// <summary>
    /// Area on a YUV source: the footprint's Y, Cb and Cr are averaged with integer weights
    /// (<see cref="AreaWeights"/>), then the average is converted to RGB once. Conversion is
    /// affine, so this equals "convert each pixel, then average" except where a pixel's RGB would
    /// clamp at 0 or 255 (out-of-gamut YUV): there the average of the unclamped colours is taken
    /// before clamping. libyuv's and OpenCV's compositions convert first; on camera images the two
    /// orders differ only at saturated edges. Averaging first is what lets the fast path filter
    /// the raw 8-bit samples and convert only tensor pixels.
    /// </summary>
    private void AreaYuv(scoped in ImageView source, in FitGeometry fit, int dx, int dy, bool mirrorX, bool mirrorY, Span<float> rgb)
    {
        int rx0 = fit.RegionX, rx1 = fit.RegionX + fit.RegionWidth - 1;
        int ry0 = fit.RegionY, ry1 = fit.RegionY + fit.RegionHeight - 1;
        int unitX = AreaWeights.Unit(fit.ScaleX), unitY = AreaWeights.Unit(fit.ScaleY);
        double x0 = fit.SrcX + dx * fit.ScaleX, x1 = x0 + fit.ScaleX;
        double y0 = fit.SrcY + dy * fit.ScaleY, y1 = y0 + fit.ScaleY;
        long sumY = 0, sumU = 0, sumV = 0, total = 0;
        for (int sy = (int)Math.Floor(y0); sy < y1; sy++)
        {
            int wy = AreaWeights.Weight(Math.Min(sy + 1, y1) - Math.Max(sy, y0), unitY);
            if (wy == 0) continue;
            for (int sx = (int)Math.Floor(x0); sx < x1; sx++)
            {
                int wx = AreaWeights.Weight(Math.Min(sx + 1, x1) - Math.Max(sx, x0), unitX);
                if (wx == 0) continue;
                int cx = Mirror(Math.Clamp(sx, rx0, rx1), rx0, rx1, mirrorX);
                int cy = Mirror(Math.Clamp(sy, ry0, ry1), ry0, ry1, mirrorY);
                PixelReader.ReadYuv(source, cx, cy, out int y, out int u, out int v);
                sumY += wx * wy * y;
                sumU += wx * wy * u;
                sumV += wx * wy * v;
                total += wx * wy;
            }
        }
        float inv = 1f / total;
        _yuv.ToRgb(sumY * inv, sumU * inv, sumV * inv, out rgb[0], out rgb[1], out rgb[2]);
    }

    private static int Mirror(int v, int lo, int hi, bool mirror) => mirror ? lo + hi - v : v;

    private void Read(scoped in ImageView source, int x, int y, Span<float> rgb, float weight, bool clear)
    {
        PixelReader.ReadRgb(source, x, y, _yuv, out float r, out float g, out float b);
        if (clear) { rgb[0] = r; rgb[1] = g; rgb[2] = b; return; }
        rgb[0] += r * weight; rgb[1] += g * weight; rgb[2] += b * weight;
    }
}
