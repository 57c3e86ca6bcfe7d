using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Codecs.TurboJpeg;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Tests.Imaging;

/// <summary>The libturbojpeg binding on real photos.</summary>
public class JpegCodecTests
{
    [Fact]
    public void DecodesRealPhotosAtTheirHeaderSize()
    {
        using var decoder = new ImageDecoder();
        var grace = decoder.DecodeFile(TestAssets.GraceHopper);
        Assert.Equal((512, 600), (grace.Width, grace.Height));
        Assert.Equal(PixelFormat.Rgb24, grace.Format);
        var fruits = decoder.DecodeFile(TestAssets.Fruits);
        Assert.Equal((512, 480), (fruits.Width, fruits.Height));
        // A real photo is not flat: its pixels vary widely.
        Assert.True(grace.Pixels.Max() - grace.Pixels.Min() > 200);
    }

    [Fact]
    public void ATruncatedJpegIsAClearErrorNamingTheFile()
    {
        string path = Path.Combine(TestAssets.TempDir("jpeg"), "truncated.jpg");
        File.WriteAllBytes(path, File.ReadAllBytes(TestAssets.GraceHopper)[..20000]);
        using var decoder = new ImageDecoder();
        var e = Assert.Throws<ImageDecodeException>(() => decoder.DecodeFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void SomethingElseIsNotAnImage()
    {
        string path = Path.Combine(TestAssets.TempDir("jpeg"), "notes.jpg");
        File.WriteAllText(path, "hello");
        using var decoder = new ImageDecoder();
        var e = Assert.Throws<ImageDecodeException>(() => decoder.DecodeFile(path));
        Assert.Equal($"{path}: not a JPEG, PNG or PPM/PGM image", e.Message);
    }

    [Fact]
    public void EncodeThenDecodeKeepsThePicture()
    {
        using var decoder = new ImageDecoder();
        var original = decoder.DecodeFile(TestAssets.Messi);
        using var encoder = new JpegEncoder();
        byte[] jpeg = encoder.Encode(original.Pixels, original.Width, original.Height, original.Stride, PixelFormat.Rgb24, quality: 95).ToArray();
        var again = decoder.Decode(jpeg, "re-encoded");
        Assert.Equal((original.Width, original.Height), (again.Width, again.Height));
        double mse = 0;
        for (int i = 0; i < original.Pixels.Length; i++) { double d = original.Pixels[i] - again.Pixels[i]; mse += d * d; }
        mse /= original.Pixels.Length;
        double psnr = 10 * Math.Log10(255.0 * 255.0 / mse);
        Assert.True(psnr > 35, $"PSNR {psnr:0.0} dB");
    }

    [Fact]
    public void DecodesIntoAPaddedBgrBuffer()
    {
        byte[] jpeg = File.ReadAllBytes(TestAssets.GraceHopper);
        using var decoder = new JpegDecoder();
        var (w, h) = decoder.ReadSize(jpeg, "grace");
        int stride = w * 3 + 17;
        var bgr = new byte[stride * h];
        decoder.Decode(jpeg, bgr, w, h, stride, PixelFormat.Bgr24, "grace");
        using var image = new ImageDecoder();
        var rgb = image.Decode(jpeg, "grace");
        for (int y = 0; y < h; y += 37)
            for (int x = 0; x < w; x += 41)
            {
                Assert.Equal(rgb.Pixels[(y * w + x) * 3], bgr[y * stride + x * 3 + 2]);
                Assert.Equal(rgb.Pixels[(y * w + x) * 3 + 2], bgr[y * stride + x * 3]);
            }
    }

    [Fact]
    public void DecodesBinaryPpmAndPgm()
    {
        byte[] ppm = [.. "P6\n# a comment\n2 1\n255\n"u8.ToArray(), 10, 20, 30, 40, 50, 60];
        using var decoder = new ImageDecoder();
        var image = decoder.Decode(ppm, "tiny.ppm");
        Assert.Equal((2, 1, PixelFormat.Rgb24), (image.Width, image.Height, image.Format));
        Assert.Equal(new byte[] { 10, 20, 30, 40, 50, 60 }, image.Pixels);
        byte[] pgm = [.. "P5 3 1 255 "u8.ToArray(), 1, 2, 3];
        Assert.Equal(PixelFormat.Grey8, decoder.Decode(pgm, "tiny.pgm").Format);
        byte[] truncated = [.. "P6 2 2 255\n"u8.ToArray(), 1, 2, 3];
        Assert.Contains("truncated", Assert.Throws<ImageDecodeException>(() => decoder.Decode(truncated, "t.ppm")).Message);
    }
}
