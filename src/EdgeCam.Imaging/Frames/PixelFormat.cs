namespace EdgeCam.Imaging.Frames;

/// <summary>Memory layouts of the frames EdgeCam accepts. Packed formats have one plane;
/// NV12/NV21 have a Y plane then an interleaved chroma plane; I420 has Y, U, V planes.</summary>
public enum PixelFormat
{
    Rgb24,
    Bgr24,
    Rgba32,
    Bgra32,
    Grey8,
    /// <summary>Packed 4:2:2, byte order Y0 U Y1 V (V4L2 YUYV).</summary>
    Yuyv,
    /// <summary>Packed 4:2:2, byte order U Y0 V Y1 (V4L2 UYVY).</summary>
    Uyvy,
    /// <summary>Y plane, then interleaved U V at half resolution in both directions.</summary>
    Nv12,
    /// <summary>Y plane, then interleaved V U at half resolution in both directions.</summary>
    Nv21,
    /// <summary>Y plane, then U plane, then V plane, chroma at half resolution in both directions.</summary>
    I420,
}

public static class PixelFormatInfo
{
    /// <summary>Bytes per pixel of the first plane's packed samples (for 4:2:2 formats, per pixel on average).</summary>
    public static int BytesPerPixel(PixelFormat format) => format switch
    {
        PixelFormat.Rgb24 or PixelFormat.Bgr24 => 3,
        PixelFormat.Rgba32 or PixelFormat.Bgra32 => 4,
        PixelFormat.Grey8 or PixelFormat.Nv12 or PixelFormat.Nv21 or PixelFormat.I420 => 1,
        PixelFormat.Yuyv or PixelFormat.Uyvy => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    public static bool IsYuv(PixelFormat format) => format is PixelFormat.Yuyv or PixelFormat.Uyvy
        or PixelFormat.Nv12 or PixelFormat.Nv21 or PixelFormat.I420;
}
