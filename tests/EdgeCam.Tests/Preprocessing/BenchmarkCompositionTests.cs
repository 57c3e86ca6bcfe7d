using System.Runtime.InteropServices;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Preprocessing;

namespace EdgeCam.Tests.Preprocessing;

/// <summary>
/// The library compositions bench/preprocess.sh times against EdgeCam must compute the same tensor,
/// or the comparison means nothing: libyuv's and OpenCV's frame-to-tensor pipelines against
/// EdgeCam's reference on a smooth camera-like frame (a gradient, so that 8-bit intermediate
/// rounding and filter details stay small): OpenCV within 3 levels of 255, libyuv within 4 (its
/// YUV->RGB uses 6-bit fixed-point coefficients, coarser than OpenCV's, and it rounds to 8 bits twice).
/// </summary>
public class BenchmarkCompositionTests
{
    [Theory]
    [InlineData("ref_yuv_pipeline", false, false, 4)]
    [InlineData("ref_yuv_pipeline", true, true, 4)]
    [InlineData("ref_ocv_pipeline", false, true, 3)]
    [InlineData("ref_ocv_pipeline", true, false, 3)]
    public void LibraryCompositionsComputeTheSameTensor(string which, bool nv12, bool nchw, int levels)
    {
        const int w = 320, h = 240, outW = 200, outH = 160; // within 2x: bilinear everywhere
        var rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                rgb[(y * w + x) * 3] = (byte)(40 + x * 170 / w);
                rgb[(y * w + x) * 3 + 1] = (byte)(40 + y * 170 / h);
                rgb[(y * w + x) * 3 + 2] = (byte)(210 - (x + y) * 170 / (w + h));
            }
        var format = nv12 ? PixelFormat.Nv12 : PixelFormat.Yuyv;
        var (frame, stride) = TestImages.Encode(rgb, w, h, format);
        Assert.Equal(nv12 ? w : w * 2, stride);
        const float scale = 1 / 127.5f, offset = -1f;
        var plan = new PreprocessPlan { Width = outW, Height = outH, Layout = nchw ? TensorLayout.Nchw : TensorLayout.Nhwc, Scale = [scale], Offset = [offset] };
        var expected = new float[plan.TensorBytes / 4];
        new ScalarPreprocessor(plan).Run(new ImageView(frame, w, h, stride, format), MemoryMarshal.AsBytes(expected.AsSpan()));
        var actual = new float[expected.Length];
        OpenCvReference.Pipeline(which, frame, w, h, nv12, outW, outH, nchw, scale, offset, actual);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= levels * scale, $"{which}: differs by {worst / scale:0.0} levels");
    }
}
