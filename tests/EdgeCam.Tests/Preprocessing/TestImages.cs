using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Sources;

using EdgeCam.Tests.Shared;

namespace EdgeCam.Tests.Preprocessing;

/// <summary>Builds small images in any pixel format from RGB pixels, for preprocessing tests.</summary>
public static class TestImages
{
    /// <summary>Encodes an RGB image (row-major, 3 bytes a pixel) in <paramref name="format"/> with
    /// <paramref name="padding"/> extra bytes at the end of every row; chroma from the top-left pixel
    /// of each pair/quad (what the readers take back).</summary>
    public static (byte[] Buffer, int Stride) Encode(byte[] rgb, int width, int height, PixelFormat format, int padding = 0)
    {
        var (stride, size) = PreprocessingCases.Layout(format, width, height, padding);
        int chromaRows = (height + 1) / 2;
        var buf = new byte[size];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte r = rgb[(y * width + x) * 3], g = rgb[(y * width + x) * 3 + 1], b = rgb[(y * width + x) * 3 + 2];
                var (yy, u, v) = SyntheticPatternSource.Bt601Limited(r, g, b);
                int o = y * stride;
                switch (format)
                {
                    case PixelFormat.Rgb24: buf[o + x * 3] = r; buf[o + x * 3 + 1] = g; buf[o + x * 3 + 2] = b; break;
                    case PixelFormat.Bgr24: buf[o + x * 3] = b; buf[o + x * 3 + 1] = g; buf[o + x * 3 + 2] = r; break;
                    case PixelFormat.Rgba32: buf[o + x * 4] = r; buf[o + x * 4 + 1] = g; buf[o + x * 4 + 2] = b; buf[o + x * 4 + 3] = 255; break;
                    case PixelFormat.Bgra32: buf[o + x * 4] = b; buf[o + x * 4 + 1] = g; buf[o + x * 4 + 2] = r; buf[o + x * 4 + 3] = 255; break;
                    case PixelFormat.Grey8: buf[o + x] = r; break;
                    case PixelFormat.Yuyv:
                    case PixelFormat.Uyvy:
                    {
                        bool yuyv = format == PixelFormat.Yuyv;
                        int pair = o + (x & ~1) * 2;
                        buf[pair + (yuyv ? 0 : 1) + (x & 1) * 2] = yy;
                        if ((x & 1) == 0) { buf[pair + (yuyv ? 1 : 0)] = u; buf[pair + (yuyv ? 3 : 2)] = v; }
                        break;
                    }
                    case PixelFormat.Nv12:
                    case PixelFormat.Nv21:
                    {
                        buf[o + x] = yy;
                        if ((x & 1) == 0 && (y & 1) == 0)
                        {
                            int c = stride * height + (y >> 1) * stride + x;
                            buf[c] = format == PixelFormat.Nv12 ? u : v;
                            buf[c + 1] = format == PixelFormat.Nv12 ? v : u;
                        }
                        break;
                    }
                    case PixelFormat.I420:
                    {
                        buf[o + x] = yy;
                        if ((x & 1) == 0 && (y & 1) == 0)
                        {
                            int cs = (stride + 1) / 2;
                            buf[stride * height + (y >> 1) * cs + (x >> 1)] = u;
                            buf[stride * height + cs * chromaRows + (y >> 1) * cs + (x >> 1)] = v;
                        }
                        break;
                    }
                }
            }
        return (buf, stride);
    }

    public static byte[] Solid(int width, int height, byte r, byte g, byte b)
    {
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++) { rgb[i * 3] = r; rgb[i * 3 + 1] = g; rgb[i * 3 + 2] = b; }
        return rgb;
    }

    public static byte[] Random(int width, int height, int seed)
    {
        var rgb = new byte[width * height * 3];
        new Random(seed).NextBytes(rgb);
        return rgb;
    }
}
