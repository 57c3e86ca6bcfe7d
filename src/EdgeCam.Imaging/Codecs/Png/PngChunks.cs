using System.Buffers.Binary;

namespace EdgeCam.Imaging.Codecs.Png;

/// <summary>
/// Walks a PNG's chunks (length, type, data, CRC) and keeps what decoding needs: the header,
/// the palette and the concatenated IDAT data. Rejects broken structure and unsupported
/// features with a clear message.
/// </summary>
internal sealed class PngChunks
{
    private const int SignatureLength = 8;

    private PngChunks(PngHeader header, byte[]? palette, byte[] imageData)
    {
        Header = header;
        Palette = palette;
        ImageData = imageData;
    }

    public PngHeader Header { get; }

    /// <summary>RGB triples from PLTE, when present.</summary>
    public byte[]? Palette { get; }

    public byte[] ImageData { get; }

    public static PngChunks Read(ReadOnlySpan<byte> png, string? name)
    {
        PngHeader? header = null;
        byte[]? palette = null;
        var idat = new List<(int Offset, int Length)>();
        bool idatEnded = false;
        int pos = SignatureLength;
        while (true)
        {
            if (png.Length - pos < 12)
                throw new ImageDecodeException(name, "truncated PNG (no IEND chunk)");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png[pos..]);
            ReadOnlySpan<byte> typeBytes = png.Slice(pos + 4, 4);
            string type = System.Text.Encoding.ASCII.GetString(typeBytes);
            if (length > int.MaxValue || png.Length - pos - 12 < length)
                throw new ImageDecodeException(name, $"truncated PNG ({type} chunk runs past the end of the file)");
            int dataOffset = pos + 8;
            ReadOnlySpan<byte> data = png.Slice(dataOffset, (int)length);
            pos = dataOffset + (int)length + 4; // skip the CRC

            if (header is null && type != "IHDR")
                throw new ImageDecodeException(name, $"corrupt PNG (first chunk is {type}, not IHDR)");
            if (idat.Count > 0 && type != "IDAT")
                idatEnded = true;

            switch (type)
            {
                case "IHDR":
                    if (header is not null)
                        throw new ImageDecodeException(name, "corrupt PNG (second IHDR chunk)");
                    header = ParseHeader(data, name);
                    break;
                case "PLTE":
                    if (length == 0 || length % 3 != 0 || length > 256 * 3)
                        throw new ImageDecodeException(name, $"corrupt PNG (PLTE chunk of {length} bytes)");
                    palette = data.ToArray();
                    break;
                case "IDAT":
                    if (idatEnded)
                        throw new ImageDecodeException(name, "corrupt PNG (IDAT chunks are not consecutive)");
                    idat.Add((dataOffset, (int)length));
                    break;
                case "IEND":
                    if (idat.Count == 0)
                        throw new ImageDecodeException(name, "corrupt PNG (no IDAT chunk)");
                    if (header!.Value.ColourType == PngColourType.Palette && palette is null)
                        throw new ImageDecodeException(name, "corrupt PNG (palette image without PLTE chunk)");
                    return new PngChunks(header.Value, palette, Concatenate(png, idat));
                default:
                    // Bit 5 of the first letter clear (upper case) marks a chunk needed to decode.
                    if ((typeBytes[0] & 0x20) == 0)
                        throw new ImageDecodeException(name, $"unsupported PNG (unknown critical chunk {type})");
                    break;
            }
        }
    }

    private static PngHeader ParseHeader(ReadOnlySpan<byte> data, string? name)
    {
        if (data.Length != 13)
            throw new ImageDecodeException(name, $"corrupt PNG (IHDR chunk of {data.Length} bytes)");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        byte bitDepth = data[8], colourType = data[9], compression = data[10], filter = data[11], interlace = data[12];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            throw new ImageDecodeException(name, $"corrupt PNG (size {width}x{height})");
        if (colourType is not (0 or 2 or 3 or 4 or 6))
            throw new ImageDecodeException(name, $"corrupt PNG (colour type {colourType})");
        if (bitDepth != 8)
            throw new ImageDecodeException(name, $"unsupported PNG bit depth {bitDepth} (only 8-bit images are supported)");
        if (compression != 0 || filter != 0)
            throw new ImageDecodeException(name, $"corrupt PNG (compression method {compression}, filter method {filter})");
        if (interlace != 0)
            throw new ImageDecodeException(name, "unsupported interlaced PNG (only non-interlaced images are supported)");
        return new PngHeader((int)width, (int)height, (PngColourType)colourType);
    }

    private static byte[] Concatenate(ReadOnlySpan<byte> png, List<(int Offset, int Length)> parts)
    {
        long total = 0;
        foreach (var (_, length) in parts)
            total += length;
        byte[] joined = GC.AllocateUninitializedArray<byte>(checked((int)total));
        int at = 0;
        foreach (var (offset, length) in parts)
        {
            png.Slice(offset, length).CopyTo(joined.AsSpan(at));
            at += length;
        }
        return joined;
    }
}
