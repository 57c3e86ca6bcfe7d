using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Reads one source pixel as RGB floats from any supported format: the scalar reference's only
/// knowledge of memory layouts. Chroma of 4:2:2 and 4:2:0 formats is taken from the sample that
/// covers the pixel (its pair, or its 2x2 quad) without interpolation, as libyuv and OpenCV's
/// cvtColor do.
/// </summary>
public static class PixelReader
{
    public static void ReadRgb(scoped in ImageView v, int x, int y, in YuvCoefficients yuv, out float r, out float g, out float b)
    {
        switch (v.Format)
        {
            case PixelFormat.Rgb24: Packed(v, x, y, 3, 0, 1, 2, out r, out g, out b); return;
            case PixelFormat.Bgr24: Packed(v, x, y, 3, 2, 1, 0, out r, out g, out b); return;
            case PixelFormat.Rgba32: Packed(v, x, y, 4, 0, 1, 2, out r, out g, out b); return;
            case PixelFormat.Bgra32: Packed(v, x, y, 4, 2, 1, 0, out r, out g, out b); return;
            case PixelFormat.Grey8:
                r = g = b = v.Plane0[y * v.Stride0 + x];
                return;
            case PixelFormat.Yuyv or PixelFormat.Uyvy or PixelFormat.Nv12 or PixelFormat.Nv21 or PixelFormat.I420:
                ReadYuv(v, x, y, out int luma, out int u, out int vv);
                yuv.ToRgb(luma, u, vv, out r, out g, out b);
                return;
            default:
                throw new NotSupportedException($"pixel format {v.Format}");
        }
    }

    /// <summary>Whether <paramref name="format"/> is stored as Y, Cb, Cr samples.</summary>
    public static bool IsYuv(PixelFormat format) =>
        format is PixelFormat.Yuyv or PixelFormat.Uyvy or PixelFormat.Nv12 or PixelFormat.Nv21 or PixelFormat.I420;

    /// <summary>The raw Y, Cb, Cr samples of one pixel of a YUV format (chroma of its pair or quad).</summary>
    public static void ReadYuv(scoped in ImageView v, int x, int y, out int Y, out int U, out int V)
    {
        switch (v.Format)
        {
            case PixelFormat.Yuyv:
            case PixelFormat.Uyvy:
            {
                int pair = y * v.Stride0 + (x & ~1) * 2;
                bool yuyv = v.Format == PixelFormat.Yuyv;
                Y = v.Plane0[pair + (yuyv ? 0 : 1) + (x & 1) * 2];
                U = v.Plane0[pair + (yuyv ? 1 : 0)];
                V = v.Plane0[pair + (yuyv ? 3 : 2)];
                return;
            }
            case PixelFormat.Nv12:
            case PixelFormat.Nv21:
            {
                Y = v.Plane0[y * v.Stride0 + x];
                int c = (y >> 1) * v.Stride1 + (x & ~1);
                int first = v.Plane1[c], second = v.Plane1[c + 1];
                bool nv12 = v.Format == PixelFormat.Nv12;
                (U, V) = nv12 ? (first, second) : (second, first);
                return;
            }
            case PixelFormat.I420:
            {
                Y = v.Plane0[y * v.Stride0 + x];
                U = v.Plane1[(y >> 1) * v.Stride1 + (x >> 1)];
                V = v.Plane2[(y >> 1) * v.Stride2 + (x >> 1)];
                return;
            }
            default:
                throw new NotSupportedException($"pixel format {v.Format} is not YUV");
        }
    }

    private static void Packed(scoped in ImageView v, int x, int y, int bpp, int ri, int gi, int bi, out float r, out float g, out float b)
    {
        int o = y * v.Stride0 + x * bpp;
        r = v.Plane0[o + ri];
        g = v.Plane0[o + gi];
        b = v.Plane0[o + bi];
    }
}
