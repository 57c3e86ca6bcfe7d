using EdgeCam.Devices.Video;
using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Codecs.TurboJpeg;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Tests.Devices;

/// <summary>The MJPEG path of the camera source (vivid offers no MJPEG, so it is tested here):
/// real JPEG data from libturbojpeg's encoder, as a webcam would send it.</summary>
public class MjpegFrameDecoderTests
{
    private static byte[] Bars(int width, int height)
    {
        (byte R, byte G, byte B)[] colours = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0), (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0)];
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var c = colours[x * colours.Length / width];
                int i = (y * width + x) * 3;
                (rgb[i], rgb[i + 1], rgb[i + 2]) = (c.R, c.G, c.B);
            }
        return rgb;
    }

    [Fact]
    public void AnMjpegFrameDecodesIntoTheReusedRgbFrame()
    {
        const int w = 320, h = 240;
        var source = Bars(w, h);
        using var encoder = new JpegEncoder();
        byte[] jpeg = encoder.Encode(source, w, h, w * 3, PixelFormat.Rgb24, quality: 95).ToArray();
        using var decoder = new MjpegFrameDecoder(w, h);
        var frame = decoder.Decode(jpeg, "/dev/video9");
        Assert.Same(decoder.Frame, frame);
        Assert.Equal(PixelFormat.Rgb24, frame.Format);
        // Centre of each bar, away from the 8x8 blocks that straddle colour edges.
        for (int bar = 0; bar < 8; bar++)
        {
            int x = (2 * bar + 1) * w / 16, y = h / 2, i = (y * w + x) * 3;
            for (int c = 0; c < 3; c++) Assert.InRange(frame.Bytes[i + c], source[i + c] - 12, source[i + c] + 12);
        }
    }

    [Fact]
    public void AFrameOfAnotherSizeOrCorruptDataIsADecodeError()
    {
        using var encoder = new JpegEncoder();
        byte[] jpeg = encoder.Encode(Bars(64, 48), 64, 48, 64 * 3, PixelFormat.Rgb24).ToArray();
        using var decoder = new MjpegFrameDecoder(320, 240);
        Assert.Contains("64x48", Assert.Throws<ImageDecodeException>(() => decoder.Decode(jpeg, "/dev/video9")).Message);
        Assert.Throws<ImageDecodeException>(() => decoder.Decode(jpeg.AsSpan(0, 20), "/dev/video9"));
    }

    [Fact]
    public void MjpegIsAReadableCameraFormat()
    {
        Assert.Equal(V4l2Formats.Mjpeg, V4l2Formats.Parse("mjpg"));
        Assert.Null(V4l2Formats.Parse("h264"));
    }
}
