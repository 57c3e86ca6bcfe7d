using System.IO.Compression;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Codecs.Png;

/// <summary>
/// A small managed PNG decoder for still images: 8-bit, non-interlaced grey, grey+alpha,
/// RGB, RGBA and palette images, all five filter types, decoded to RGB24 (alpha is dropped,
/// not composited). The chunk structure is validated; CRCs are not checked. 16-bit, low
/// bit depth and interlaced images are rejected as unsupported.
/// </summary>
public static class PngDecoder
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool IsPng(ReadOnlySpan<byte> data) => data.StartsWith(Signature);

    public static DecodedImage Decode(ReadOnlySpan<byte> data, string? name = null)
    {
        if (!IsPng(data))
            throw new ImageDecodeException(name, "not a PNG image");
        PngChunks chunks = PngChunks.Read(data, name);
        PngHeader header = chunks.Header;

        int channels = header.Channels;
        int rowBytes = header.Width * channels;
        long rawLength = (long)(rowBytes + 1) * header.Height;
        if (rawLength > int.MaxValue || (long)header.Width * header.Height * 3 > int.MaxValue)
            throw new ImageDecodeException(name, $"PNG image {header.Width}x{header.Height} is too large");

        byte[] raw = Inflate(chunks.ImageData, (int)rawLength, name);
        Unfilter(raw, rowBytes, header.Height, channels, name);
        byte[] rgb = PngPixels.ToRgb24(raw, header, chunks.Palette, name);
        return new DecodedImage(rgb, header.Width, header.Height, PixelFormat.Rgb24, name ?? "PNG image");
    }

    private static byte[] Inflate(byte[] compressed, int rawLength, string? name)
    {
        byte[] raw = GC.AllocateUninitializedArray<byte>(rawLength);
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            zlib.ReadExactly(raw);
        }
        catch (EndOfStreamException)
        {
            throw new ImageDecodeException(name, "truncated PNG image data");
        }
        catch (InvalidDataException e)
        {
            throw new ImageDecodeException(name, $"corrupt PNG image data ({e.Message})", e);
        }
        return raw;
    }

    private static void Unfilter(byte[] raw, int rowBytes, int height, int bytesPerPixel, string? name)
    {
        int filteredStride = rowBytes + 1;
        for (int y = 0; y < height; y++)
        {
            int start = y * filteredStride;
            byte filter = raw[start];
            Span<byte> row = raw.AsSpan(start + 1, rowBytes);
            ReadOnlySpan<byte> previous = y == 0 ? default : raw.AsSpan(start - rowBytes, rowBytes);
            if (!PngFilters.TryUnfilter(filter, row, previous, bytesPerPixel))
                throw new ImageDecodeException(name, $"corrupt PNG image data (unknown filter type {filter} in row {y})");
        }
    }
}
