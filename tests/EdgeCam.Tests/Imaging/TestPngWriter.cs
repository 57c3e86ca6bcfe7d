using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace EdgeCam.Tests.Imaging;

/// <summary>
/// Writes small PNG files for decoder tests, so fixtures are generated at test time instead
/// of committed. Each row is filtered with the filter type the test chooses (the reference
/// filters of the PNG spec); CRCs are written as zero since the decoder does not check them.
/// </summary>
internal static class TestPngWriter
{
    public static byte[] Write(int width, int height, byte colourType, byte[] samples, Func<int, byte> filterForRow,
        byte[]? palette = null, byte bitDepth = 8, byte interlace = 0)
    {
        int channels = colourType switch { 0 or 3 => 1, 4 => 2, 2 => 3, _ => 4 };
        int rowBytes = width * channels;
        var filtered = new byte[(rowBytes + 1) * height];
        for (int y = 0; y < height; y++)
        {
            byte filter = filterForRow(y);
            filtered[y * (rowBytes + 1)] = filter;
            for (int i = 0; i < rowBytes; i++)
            {
                int x = samples[y * rowBytes + i];
                int a = i >= channels ? samples[y * rowBytes + i - channels] : 0;
                int b = y > 0 ? samples[(y - 1) * rowBytes + i] : 0;
                int c = y > 0 && i >= channels ? samples[(y - 1) * rowBytes + i - channels] : 0;
                int predicted = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new ArgumentOutOfRangeException(nameof(filterForRow)),
                };
                filtered[y * (rowBytes + 1) + 1 + i] = (byte)(x - predicted);
            }
        }

        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            z.Write(filtered);

        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth;
        ihdr[9] = colourType;
        ihdr[12] = interlace;
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "tEXt", Encoding.ASCII.GetBytes("Comment\0ancillary chunks are skipped"));
        if (palette is not null)
            Chunk(png, "PLTE", palette);
        // Split the image data over two IDAT chunks: decoders must join them.
        byte[] data = compressed.ToArray();
        int half = data.Length / 2;
        Chunk(png, "IDAT", data[..half]);
        Chunk(png, "IDAT", data[half..]);
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        png.Write(Encoding.ASCII.GetBytes(type));
        png.Write(data);
        png.Write([0, 0, 0, 0]);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
