using EdgeCam.Imaging.Codecs.Png;
using EdgeCam.Imaging.Codecs.TurboJpeg;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Codecs;

/// <summary>
/// Decodes an image file by its content (magic bytes, not its extension): JPEG through
/// libturbojpeg, PNG (8-bit, managed), binary PPM/PGM. JPEG and PNG come out as RGB24 (so a grey
/// picture feeds a colour model without a special case); PGM as Grey8.
/// </summary>
public sealed class ImageDecoder : IDisposable
{
    private readonly JpegDecoder _jpeg = new();

    public static bool IsJpeg(ReadOnlySpan<byte> data) => data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;

    /// <summary>True when the file starts like an image this decoder reads.</summary>
    public static bool LooksDecodable(ReadOnlySpan<byte> head) => IsJpeg(head) || PngDecoder.IsPng(head) || PnmDecoder.IsPnm(head);

    public DecodedImage DecodeFile(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException($"{path}: cannot be read: {e.Message}");
        }
        return Decode(data, path);
    }

    public DecodedImage Decode(ReadOnlySpan<byte> data, string origin)
    {
        if (IsJpeg(data))
        {
            var (w, h) = _jpeg.ReadSize(data, origin);
            var pixels = new byte[checked(w * h * 3)];
            _jpeg.Decode(data, pixels, w, h, w * 3, PixelFormat.Rgb24, origin);
            return new DecodedImage(pixels, w, h, PixelFormat.Rgb24, origin);
        }
        if (PngDecoder.IsPng(data)) return PngDecoder.Decode(data, origin);
        if (PnmDecoder.IsPnm(data)) return PnmDecoder.Decode(data, origin);
        throw new ImageDecodeException(data.Length == 0 ? $"{origin}: empty file, not an image" : $"{origin}: not a JPEG, PNG or PPM/PGM image");
    }

    public void Dispose() => _jpeg.Dispose();
}
