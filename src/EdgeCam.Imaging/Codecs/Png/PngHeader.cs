namespace EdgeCam.Imaging.Codecs.Png;

/// <summary>PNG colour types (IHDR byte 9).</summary>
internal enum PngColourType : byte
{
    Grey = 0,
    Rgb = 2,
    Palette = 3,
    GreyAlpha = 4,
    Rgba = 6,
}

/// <summary>The IHDR fields this decoder supports (8-bit, non-interlaced).</summary>
internal readonly record struct PngHeader(int Width, int Height, PngColourType ColourType)
{
    public int Channels => ColourType switch
    {
        PngColourType.Grey or PngColourType.Palette => 1,
        PngColourType.GreyAlpha => 2,
        PngColourType.Rgb => 3,
        _ => 4,
    };
}
