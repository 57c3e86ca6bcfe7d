namespace EdgeCam.Imaging.Frames;

/// <summary>
/// A read-only look at one image in memory: no ownership, no copy. Planar formats carry
/// their planes separately so a V4L2 buffer, a decoder's output or a test array can all be
/// viewed the same way. Strides are in bytes and may exceed width * bytes-per-pixel.
/// </summary>
public readonly ref struct ImageView
{
    public readonly ReadOnlySpan<byte> Plane0;
    public readonly ReadOnlySpan<byte> Plane1;
    public readonly ReadOnlySpan<byte> Plane2;
    public readonly int Stride0;
    public readonly int Stride1;
    public readonly int Stride2;
    public readonly int Width;
    public readonly int Height;
    public readonly PixelFormat Format;

    public ImageView(ReadOnlySpan<byte> plane0, int width, int height, int stride, PixelFormat format)
        : this(plane0, stride, default, 0, default, 0, width, height, format)
    {
        if (format is PixelFormat.Nv12 or PixelFormat.Nv21 or PixelFormat.I420)
        {
            // Single-buffer planar layout as V4L2 single-planar formats deliver it:
            // chroma plane(s) follow the Y plane, chroma stride derived from the Y stride.
            int ySize = stride * height;
            int chromaRows = (height + 1) / 2;
            if (format == PixelFormat.I420)
            {
                int cStride = (stride + 1) / 2;
                int cSize = cStride * chromaRows;
                Plane1 = plane0.Slice(ySize, cSize);
                Plane2 = plane0.Slice(ySize + cSize, cSize);
                Stride1 = cStride;
                Stride2 = cStride;
            }
            else
            {
                Plane1 = plane0.Slice(ySize, stride * chromaRows);
                Stride1 = stride;
            }
            Plane0 = plane0[..ySize];
        }
        Validate();
    }

    public ImageView(ReadOnlySpan<byte> plane0, int stride0, ReadOnlySpan<byte> plane1, int stride1,
        ReadOnlySpan<byte> plane2, int stride2, int width, int height, PixelFormat format)
    {
        Plane0 = plane0; Stride0 = stride0;
        Plane1 = plane1; Stride1 = stride1;
        Plane2 = plane2; Stride2 = stride2;
        Width = width; Height = height; Format = format;
    }

    /// <summary>Throws when the planes are too small for the declared geometry.</summary>
    public void Validate()
    {
        if (Width <= 0 || Height <= 0)
            throw new ArgumentException($"image size {Width}x{Height} is not positive");
        int minStride = Format is PixelFormat.Yuyv or PixelFormat.Uyvy
            ? ((Width + 1) & ~1) * 2
            : Width * PixelFormatInfo.BytesPerPixel(Format);
        if (Stride0 < minStride)
            throw new ArgumentException($"{Format} stride {Stride0} is smaller than {minStride} for width {Width}");
        if (Plane0.Length < (long)Stride0 * (Height - 1) + minStride)
            throw new ArgumentException($"{Format} buffer of {Plane0.Length} bytes is too small for {Width}x{Height} stride {Stride0}");
    }
}
