using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Codecs;

/// <summary>Binary PPM (P6, RGB) and PGM (P5, grey) with maxval 255 and '#' comments in the header.</summary>
public static class PnmDecoder
{
    public static bool IsPnm(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == 'P' && (data[1] == '5' || data[1] == '6');

    public static DecodedImage Decode(ReadOnlySpan<byte> data, string origin)
    {
        if (!IsPnm(data)) throw new ImageDecodeException($"{origin}: not a binary PPM/PGM image");
        bool colour = data[1] == '6';
        int pos = 2;
        int width = ReadNumber(data, ref pos, origin, "width");
        int height = ReadNumber(data, ref pos, origin, "height");
        int maxval = ReadNumber(data, ref pos, origin, "maxval");
        if (maxval != 255) throw new ImageDecodeException($"{origin}: PPM/PGM with maxval {maxval} is not supported (only 255)");
        pos++; // the single whitespace after maxval
        int channels = colour ? 3 : 1;
        long bytes = (long)width * height * channels;
        if (width <= 0 || height <= 0 || bytes > int.MaxValue) throw new ImageDecodeException($"{origin}: bad PPM/PGM size {width}x{height}");
        if (data.Length - pos < bytes) throw new ImageDecodeException($"{origin}: truncated PPM/PGM data ({data.Length - pos} of {bytes} bytes)");
        var pixels = data.Slice(pos, (int)bytes).ToArray();
        return new DecodedImage(pixels, width, height, colour ? PixelFormat.Rgb24 : PixelFormat.Grey8, origin);
    }

    private static int ReadNumber(ReadOnlySpan<byte> data, ref int pos, string origin, string what)
    {
        while (pos < data.Length)
        {
            if (data[pos] == '#') { while (pos < data.Length && data[pos] != '\n') pos++; }
            else if (data[pos] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') pos++;
            else break;
        }
        long value = 0; int digits = 0;
        while (pos < data.Length && data[pos] is >= (byte)'0' and <= (byte)'9' && digits < 9)
        {
            value = value * 10 + (data[pos] - '0'); pos++; digits++;
        }
        if (digits == 0) throw new ImageDecodeException($"{origin}: PPM/PGM header has no {what}");
        return (int)value;
    }
}
