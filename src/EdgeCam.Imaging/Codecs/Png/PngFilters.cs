namespace EdgeCam.Imaging.Codecs.Png;

/// <summary>Undoes PNG's per-row prediction filters (PNG spec section 9) in place.</summary>
internal static class PngFilters
{
    public const byte None = 0, Sub = 1, Up = 2, Average = 3, Paeth = 4;

    /// <summary>
    /// Reconstructs <paramref name="row"/> from its filtered bytes. <paramref name="previous"/>
    /// is the already reconstructed row above, or empty for the first row (treated as zeros).
    /// <paramref name="bytesPerPixel"/> is the distance to the "left" byte.
    /// </summary>
    public static bool TryUnfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel)
    {
        bool hasPrevious = !previous.IsEmpty;
        switch (filter)
        {
            case None:
                return true;
            case Sub:
                for (int i = bytesPerPixel; i < row.Length; i++)
                    row[i] += row[i - bytesPerPixel];
                return true;
            case Up:
                if (hasPrevious)
                    for (int i = 0; i < row.Length; i++)
                        row[i] += previous[i];
                return true;
            case Average:
                for (int i = 0; i < row.Length; i++)
                {
                    int left = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0;
                    int up = hasPrevious ? previous[i] : 0;
                    row[i] += (byte)((left + up) >> 1);
                }
                return true;
            case Paeth:
                for (int i = 0; i < row.Length; i++)
                {
                    int left = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0;
                    int up = hasPrevious ? previous[i] : 0;
                    int upLeft = hasPrevious && i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0;
                    row[i] += (byte)PaethPredictor(left, up, upLeft);
                }
                return true;
            default:
                return false;
        }
    }

    private static int PaethPredictor(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc)
            return a;
        return pb <= pc ? b : c;
    }
}
