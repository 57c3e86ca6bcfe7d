using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Preprocessing;

namespace EdgeCam.Tests.Preprocessing;

/// <summary>
/// The scalar reference against an independent implementation, OpenCV 4.6: colour conversion
/// (cvtColor) and bilinear resize (INTER_LINEAR, same pixel-centre convention). OpenCV rounds to
/// 8 bits with fixed-point arithmetic where EdgeCam stays in float, so values may differ by a
/// level or two, never more. Resizes here stay within 2x, where EdgeCam's Bilinear does not
/// switch to Area (OpenCV's INTER_LINEAR never does).
/// One convention differs on purpose: OpenCV clamps luma below 16 ("footroom", blacker than black)
/// to 16 before applying the matrix, so a dark pixel with strong chroma comes out up to 19 levels
/// brighter there; EdgeCam (like libyuv) applies the BT.601 matrix as written and clamps the RGB
/// result. Camera frames rarely carry such codes; the random frames here keep luma in 16..255 and
/// every chroma code, saturating ones included.
/// </summary>
public class OpenCvCrossCheckTests
{
    private static byte[] Scalar(byte[] src, int width, int height, int stride, PixelFormat format, int outW, int outH, int channels = 3)
    {
        var plan = new PreprocessPlan { Width = outW, Height = outH, Channels = channels, Layout = TensorLayout.Nhwc, Element = TensorElement.UInt8 };
        var tensor = new byte[plan.TensorBytes];
        new ScalarPreprocessor(plan).Run(new ImageView(src, width, height, stride, format), tensor);
        return tensor;
    }

    private static void AssertClose(byte[] expected, byte[] actual, int tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = 0, at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            int d = Math.Abs(expected[i] - actual[i]);
            if (d > worst) { worst = d; at = i; }
        }
        Assert.True(worst <= tolerance, $"{what}: differs by {worst} levels at byte {at} (OpenCV {expected[at]}, EdgeCam {actual[at]})");
    }

    [Theory]
    [InlineData(64, 48, 0)]
    [InlineData(66, 37, 6)]
    public void YuyvToRgbMatchesCvtColor(int width, int height, int padding)
    {
        var rng = new Random(width * 1000 + height);
        int stride = width * 2 + padding;
        var yuyv = new byte[stride * height];
        rng.NextBytes(yuyv); // every chroma code, including out-of-gamut and saturating YUV
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) yuyv[y * stride + 2 * x] = (byte)Math.Max((int)yuyv[y * stride + 2 * x], 16);
        var expected = new byte[width * height * 3];
        OpenCvReference.YuvToRgb(yuyv, width, height, stride, nv12: false, expected);
        AssertClose(expected, Scalar(yuyv, width, height, stride, PixelFormat.Yuyv, width, height), 2, "YUYV->RGB");
    }

    [Theory]
    [InlineData(64, 48, 0)]
    [InlineData(70, 38, 10)]
    public void Nv12ToRgbMatchesCvtColor(int width, int height, int padding)
    {
        var rng = new Random(width * 7 + height);
        int stride = width + padding;
        var nv12 = new byte[stride * height * 3 / 2];
        rng.NextBytes(nv12);
        for (int i = 0; i < stride * height; i++) nv12[i] = Math.Max(nv12[i], (byte)16);
        var expected = new byte[width * height * 3];
        OpenCvReference.YuvToRgb(nv12, width, height, stride, nv12: true, expected);
        AssertClose(expected, Scalar(nv12, width, height, stride, PixelFormat.Nv12, width, height), 2, "NV12->RGB");
    }

    [Theory]
    [InlineData(97, 61, 60, 45)]   // downscale within 2x
    [InlineData(40, 30, 67, 43)]   // upscale
    [InlineData(33, 17, 33, 34)]   // one axis only
    public void BilinearResizeMatchesInterLinear(int width, int height, int outW, int outH)
    {
        var rng = new Random(width + outW);
        int stride = width * 3 + 5;
        var rgb = new byte[stride * height];
        rng.NextBytes(rgb);
        var expected = new byte[outW * outH * 3];
        OpenCvReference.ResizeLinear(rgb, width, height, stride, 3, expected, outW, outH);
        AssertClose(expected, Scalar(rgb, width, height, stride, PixelFormat.Rgb24, outW, outH), 2, "INTER_LINEAR");
    }
}
