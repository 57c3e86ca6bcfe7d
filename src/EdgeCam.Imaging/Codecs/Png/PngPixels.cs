namespace EdgeCam.Imaging.Codecs.Png;

/// <summary>Converts reconstructed PNG rows (filter bytes still in place) to packed RGB24.</summary>
internal static class PngPixels
{
    public static byte[] ToRgb24(byte[] raw, PngHeader header, byte[]? palette, string? name)
    {
        int width = header.Width, channels = header.Channels;
        int rowBytes = width * channels;
        byte[] rgb = GC.AllocateUninitializedArray<byte>(width * header.Height * 3);
        int paletteEntries = palette is null ? 0 : palette.Length / 3;
        for (int y = 0; y < header.Height; y++)
        {
            ReadOnlySpan<byte> src = raw.AsSpan(y * (rowBytes + 1) + 1, rowBytes);
            Span<byte> dst = rgb.AsSpan(y * width * 3, width * 3);
            switch (header.ColourType)
            {
                case PngColourType.Rgb:
                    src.CopyTo(dst);
                    break;
                case PngColourType.Palette:
                    for (int x = 0; x < width; x++)
                    {
                        int index = src[x];
                        if (index >= paletteEntries)
                            throw new ImageDecodeException(name, $"corrupt PNG (palette index {index} of {paletteEntries} entries)");
                        palette.AsSpan(index * 3, 3).CopyTo(dst.Slice(x * 3, 3));
                    }
                    break;
                default:
                    // Grey, grey+alpha, RGBA: take the colour samples, drop alpha.
                    bool grey = header.ColourType is PngColourType.Grey or PngColourType.GreyAlpha;
                    for (int x = 0, s = 0, d = 0; x < width; x++, s += channels, d += 3)
                    {
                        dst[d] = src[s];
                        dst[d + 1] = grey ? src[s] : src[s + 1];
                        dst[d + 2] = grey ? src[s] : src[s + 2];
                    }
                    break;
            }
        }
        return rgb;
    }
}
