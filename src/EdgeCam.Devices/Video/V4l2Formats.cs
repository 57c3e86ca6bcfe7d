using EdgeCam.Imaging.Frames;

namespace EdgeCam.Devices.Video;

/// <summary>The V4L2 fourcc codes EdgeCam's preprocessor reads directly, in order of preference
/// (YUV 4:2:2 first: what webcams deliver natively and what costs the driver nothing).</summary>
public static class V4l2Formats
{
    public static uint FourCc(string code) => (uint)(code[0] | code[1] << 8 | code[2] << 16 | code[3] << 24);

    public static string Name(uint fourcc) => new([(char)(fourcc & 0xFF), (char)(fourcc >> 8 & 0xFF), (char)(fourcc >> 16 & 0xFF), (char)(fourcc >> 24 & 0xFF)]);

    public static readonly (uint FourCc, PixelFormat Format)[] Supported =
    [
        (FourCc("YUYV"), PixelFormat.Yuyv),
        (FourCc("UYVY"), PixelFormat.Uyvy),
        (FourCc("NV12"), PixelFormat.Nv12),
        (FourCc("NV21"), PixelFormat.Nv21),
        (FourCc("YU12"), PixelFormat.I420),
        (FourCc("RGB3"), PixelFormat.Rgb24),
        (FourCc("BGR3"), PixelFormat.Bgr24),
        (FourCc("GREY"), PixelFormat.Grey8),
    ];

    /// <summary>Motion JPEG: taken only when a device offers none of the raw formats (decoding costs CPU
    /// that raw formats do not), decoded to RGB24 by libturbojpeg.</summary>
    public static readonly uint Mjpeg = FourCc("MJPG");

    /// <summary>Whether EdgeCam can read frames of this fourcc (raw, or MJPEG through the decoder).</summary>
    public static bool IsReadable(uint fourcc) => fourcc == Mjpeg || ToPixelFormat(fourcc) is not null;

    public static PixelFormat? ToPixelFormat(uint fourcc)
    {
        foreach (var (code, format) in Supported) if (code == fourcc) return format;
        return null;
    }

    /// <summary>Parses a config's format name ("yuyv", "YUYV", "nv12") into a fourcc, or null when unknown.</summary>
    public static uint? Parse(string name)
    {
        if (name.Length != 4) return null;
        uint code = FourCc(name.ToUpperInvariant());
        return IsReadable(code) ? code : null;
    }
}
