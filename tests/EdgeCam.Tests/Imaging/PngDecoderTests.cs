using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Codecs.Png;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Tests.Imaging;

public class PngDecoderTests
{
    private const int W = 13, H = 7;

    /// <summary>Deterministic, varied samples so every filter has real work to undo.</summary>
    private static byte[] Samples(int channels)
    {
        var samples = new byte[W * H * channels];
        for (int i = 0; i < samples.Length; i++)
            samples[i] = (byte)(i * 37 + (i / 5) * 11 + (i % 3 == 0 ? 200 : 0));
        return samples;
    }

    [Theory]
    [InlineData(0)] // None
    [InlineData(1)] // Sub
    [InlineData(2)] // Up
    [InlineData(3)] // Average
    [InlineData(4)] // Paeth
    public void EachFilterTypeDecodesExactly(byte filter)
    {
        byte[] rgb = Samples(3);
        byte[] png = TestPngWriter.Write(W, H, colourType: 2, rgb, _ => filter);
        DecodedImage image = PngDecoder.Decode(png, "filter.png");
        Assert.Equal((W, H, W * 3, PixelFormat.Rgb24), (image.Width, image.Height, image.Stride, image.Format));
        Assert.Equal(rgb, image.Pixels);
    }

    [Fact]
    public void MixedFiltersPerRowDecodeExactly()
    {
        byte[] rgba = Samples(4);
        byte[] png = TestPngWriter.Write(W, H, colourType: 6, rgba, y => (byte)((y * 3 + 1) % 5));
        DecodedImage image = PngDecoder.Decode(png);
        for (int p = 0; p < W * H; p++)
            Assert.Equal(rgba.AsSpan(p * 4, 3).ToArray(), image.Pixels.AsSpan(p * 3, 3).ToArray());
    }

    [Fact]
    public void GreyAndGreyAlphaExpandToRgb()
    {
        byte[] grey = Samples(1);
        DecodedImage g = PngDecoder.Decode(TestPngWriter.Write(W, H, colourType: 0, grey, y => (byte)(y % 5)));
        byte[] greyAlpha = Samples(2);
        DecodedImage ga = PngDecoder.Decode(TestPngWriter.Write(W, H, colourType: 4, greyAlpha, y => (byte)(4 - y % 5)));
        for (int p = 0; p < W * H; p++)
        {
            Assert.Equal(new[] { grey[p], grey[p], grey[p] }, g.Pixels.AsSpan(p * 3, 3).ToArray());
            byte v = greyAlpha[p * 2];
            Assert.Equal(new[] { v, v, v }, ga.Pixels.AsSpan(p * 3, 3).ToArray());
        }
    }

    [Fact]
    public void PaletteLooksUpColours()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        byte[] indices = new byte[W * H];
        for (int i = 0; i < indices.Length; i++)
            indices[i] = (byte)(i % 4);
        DecodedImage image = PngDecoder.Decode(TestPngWriter.Write(W, H, colourType: 3, indices, y => (byte)(y % 5), palette));
        for (int p = 0; p < W * H; p++)
            Assert.Equal(palette.AsSpan(indices[p] * 3, 3).ToArray(), image.Pixels.AsSpan(p * 3, 3).ToArray());
    }

    [Fact]
    public void PaletteIndexOutOfRangeIsCorrupt()
    {
        byte[] indices = new byte[W * H];
        indices[5] = 9;
        var e = Assert.Throws<ImageDecodeException>(() =>
            PngDecoder.Decode(TestPngWriter.Write(W, H, 3, indices, _ => 0, palette: [1, 2, 3]), "p.png"));
        Assert.Equal("p.png: corrupt PNG (palette index 9 of 1 entries)", e.Message);
    }

    [Fact]
    public void SixteenBitAndInterlacedAreUnsupported()
    {
        byte[] rgb = Samples(3);
        var deep = Assert.Throws<ImageDecodeException>(() =>
            PngDecoder.Decode(TestPngWriter.Write(W, H, 2, rgb, _ => 0, bitDepth: 16), "deep.png"));
        Assert.Equal("deep.png: unsupported PNG bit depth 16 (only 8-bit images are supported)", deep.Message);
        var interlaced = Assert.Throws<ImageDecodeException>(() =>
            PngDecoder.Decode(TestPngWriter.Write(W, H, 2, rgb, _ => 0, interlace: 1), "adam7.png"));
        Assert.StartsWith("adam7.png: unsupported interlaced PNG", interlaced.Message);
    }

    [Fact]
    public void TruncatedFilesFailClearly()
    {
        byte[] png = TestPngWriter.Write(W, H, 2, Samples(3), _ => 4);
        for (int cut = 9; cut < png.Length; cut += 7)
        {
            var e = Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(png.AsSpan(0, cut), "cut.png"));
            Assert.StartsWith("cut.png: ", e.Message);
            Assert.Contains("PNG", e.Message);
        }
    }

    [Fact]
    public void ShortImageDataIsTruncated()
    {
        // A well-formed file whose zlib stream holds fewer rows than IHDR promises.
        byte[] png = TestPngWriter.Write(W, H - 2, 2, Samples(3)[..(W * (H - 2) * 3)], _ => 0);
        png[23] = H; // IHDR height, big-endian low byte (signature 8, length 4, type 4, width 4)
        var e = Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(png, "short.png"));
        Assert.Equal("short.png: truncated PNG image data", e.Message);
    }

    [Fact]
    public void BadFilterTypeAndBadStructureAreCorrupt()
    {
        byte[] rgb = Samples(3);
        var filter = Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(TestPngWriter.Write(W, H, 2, rgb, _ => 0) is var png
            ? Corrupt(png) : png));
        Assert.Contains("corrupt PNG", filter.Message);

        byte[] notIhdrFirst = TestPngWriter.Write(W, H, 2, rgb, _ => 0);
        notIhdrFirst[12] = (byte)'X';
        var structure = Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(notIhdrFirst));
        Assert.Contains("first chunk is XHDR, not IHDR", structure.Message);
    }

    /// <summary>Flips a bit in the middle of the zlib stream.</summary>
    private static byte[] Corrupt(byte[] png)
    {
        byte[] copy = (byte[])png.Clone();
        int idat = copy.AsSpan().IndexOf("IDAT"u8);
        copy[idat + 4 + 3] ^= 0x55;
        return copy;
    }
}

public class ImageDecoderPngTests
{
    [Fact]
    public void APngIsRecognisedByItsContentNotItsName()
    {
        byte[] rgb = [1, 2, 3, 4, 5, 6];
        string path = Path.Combine(TestAssets.TempDir("png"), "really-a-png.jpg");
        File.WriteAllBytes(path, TestPngWriter.Write(2, 1, colourType: 2, rgb, _ => 0));
        using var decoder = new ImageDecoder();
        var image = decoder.DecodeFile(path);
        Assert.Equal(rgb, image.Pixels);
        Assert.Equal(path, image.Origin);
    }
}
