using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Codecs;

/// <summary>A decoded picture in managed memory: tightly packed rows (stride = width * bpp).</summary>
public sealed class DecodedImage(byte[] pixels, int width, int height, PixelFormat format, string origin)
{
    public byte[] Pixels { get; } = pixels;
    public int Width { get; } = width;
    public int Height { get; } = height;
    public PixelFormat Format { get; } = format;
    public int Stride => Width * PixelFormatInfo.BytesPerPixel(Format);
    public string Origin { get; } = origin;

    public ImageView View => new(Pixels, Width, Height, Stride, Format);
}
