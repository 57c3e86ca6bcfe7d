using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Frames;
using EdgeCam.ModelTool.Release;

namespace EdgeCam.ModelTool.Evaluation;

/// <summary>
/// Cuts the text lines out of a page image (dark text on a lighter background, lines roughly
/// horizontal) by a horizontal projection profile, deterministically: a pixel is ink when it is
/// darker than the mean of its neighbourhood by a margin (so uneven lighting on a photographed
/// page does not matter); rows holding ink form bands; each band of a typical line height is one
/// line, trimmed to its inked columns and split into pieces of the model input's aspect ratio
/// (what a text-direction classifier is given after a detector has found a line).
/// </summary>
public static class TextLineCutter
{
    /// <summary>How much darker than its neighbourhood's mean a pixel must be to count as ink (grey levels).</summary>
    private const int InkMargin = 20;

    public static IReadOnlyList<CropRect> Cut(DecodedImage image, double aspect)
    {
        var grey = Grey(image);
        int w = image.Width, h = image.Height;
        int radius = Math.Clamp(Math.Min(w, h) / 16, 8, 32);
        var ink = InkMask(grey, w, h, radius);

        // Rows with ink: at least 1% of the width (specks and paper texture stay below).
        int minInk = Math.Max(3, w / 100);
        var rowInk = new int[h];
        for (int y = 0; y < h; y++)
        {
            int n = 0;
            for (int x = 0; x < w; x++) n += ink[y * w + x];
            rowInk[y] = n;
        }

        // Regions of rows with ink. Inside each, the line cores are the rows holding at least a
        // quarter of the region's strongest row (the x-height of a line of text); lines whose
        // ascenders and descenders touch are parted at the weakest row between two cores, and
        // each line reaches from there (or the region's edge) to the next parting.
        var bands = new List<(int Top, int Bottom)>(); // bottom exclusive
        for (int y = 0; y < h;)
        {
            if (rowInk[y] < minInk) { y++; continue; }
            int regionTop = y, peak = 0;
            while (y < h && rowInk[y] >= minInk) peak = Math.Max(peak, rowInk[y++]);
            int strong = Math.Max(minInk, peak / 4);
            var cores = new List<(int Top, int Bottom)>();
            for (int r = regionTop; r < y;)
            {
                if (rowInk[r] < strong) { r++; continue; }
                int top = r;
                while (r < y && rowInk[r] >= strong) r++;
                // A gap of one or two rows inside a line (an i's dot, a thin serif row) does not end it.
                if (cores.Count > 0 && top - cores[^1].Bottom <= 2) cores[^1] = (cores[^1].Top, r);
                else cores.Add((top, r));
            }
            int lineTop = regionTop;
            for (int c = 0; c < cores.Count; c++)
            {
                int lineBottom = y;
                if (c + 1 < cores.Count)
                {
                    lineBottom = cores[c].Bottom;
                    for (int r = cores[c].Bottom; r < cores[c + 1].Top; r++) if (rowInk[r] < rowInk[lineBottom]) lineBottom = r;
                }
                bands.Add((lineTop, lineBottom));
                lineTop = lineBottom + 1;
            }
        }
        if (bands.Count == 0) return [];

        // A line is a band of typical height: thinner ones are rules, underlines or noise; much
        // taller ones are lines that touch (or pictures) and cannot be told apart by rows alone.
        var heights = bands.Select(b => b.Bottom - b.Top).Order().ToArray();
        int typical = heights[heights.Length / 2];
        var crops = new List<CropRect>();
        foreach (var (top, bottom) in bands)
        {
            int bh = bottom - top;
            if (bh < Math.Max(6, typical * 3 / 5) || bh > typical * 9 / 5) continue;
            int left = w, right = -1;
            for (int y = top; y < bottom; y++)
                for (int x = 0; x < w; x++)
                    if (ink[y * w + x] != 0) { if (x < left) left = x; if (x > right) right = x; }
            int pad = Math.Max(1, bh / 6);
            int y0 = Math.Max(0, top - pad), y1 = Math.Min(h, bottom + pad);
            int x0 = Math.Max(0, left - pad), x1 = Math.Min(w, right + 1 + pad);
            int lineHeight = y1 - y0, lineWidth = x1 - x0;
            int piece = Math.Max(1, (int)Math.Round(lineHeight * aspect));
            int pieces = Math.Max(1, (int)Math.Round(lineWidth / (double)piece));
            for (int i = 0; i < pieces; i++)
            {
                int a = x0 + (int)((long)lineWidth * i / pieces), b = x0 + (int)((long)lineWidth * (i + 1) / pieces);
                crops.Add(new CropRect(a, y0, b - a, lineHeight));
            }
        }
        return crops;
    }

    private static byte[] Grey(DecodedImage image)
    {
        var (r, g, b, bpp) = image.Format switch
        {
            PixelFormat.Rgb24 => (0, 1, 2, 3),
            PixelFormat.Bgr24 => (2, 1, 0, 3),
            PixelFormat.Rgba32 => (0, 1, 2, 4),
            PixelFormat.Bgra32 => (2, 1, 0, 4),
            PixelFormat.Grey8 => (0, 0, 0, 1),
            _ => throw new ToolException($"{image.Origin}: text lines are cut from RGB or grey images, not {image.Format}"),
        };
        var grey = new byte[image.Width * image.Height];
        var p = image.Pixels;
        for (int i = 0, s = 0; i < grey.Length; i++, s += bpp)
            grey[i] = (byte)((77 * p[s + r] + 150 * p[s + g] + 29 * p[s + b] + 128) >> 8); // BT.601 luma
        return grey;
    }

    /// <summary>1 where a pixel is darker than the mean of the (2r+1)^2 box around it by <see cref="InkMargin"/>.</summary>
    private static byte[] InkMask(byte[] grey, int w, int h, int radius)
    {
        var sum = new long[(w + 1) * (h + 1)]; // integral image
        for (int y = 0; y < h; y++)
        {
            long row = 0;
            for (int x = 0; x < w; x++)
            {
                row += grey[y * w + x];
                sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
            }
        }
        var ink = new byte[w * h];
        for (int y = 0; y < h; y++)
        {
            int ya = Math.Max(0, y - radius), yb = Math.Min(h, y + radius + 1);
            for (int x = 0; x < w; x++)
            {
                int xa = Math.Max(0, x - radius), xb = Math.Min(w, x + radius + 1);
                long total = sum[yb * (w + 1) + xb] - sum[ya * (w + 1) + xb] - sum[yb * (w + 1) + xa] + sum[ya * (w + 1) + xa];
                long count = (long)(yb - ya) * (xb - xa);
                if (grey[y * w + x] * count < total - InkMargin * count) ink[y * w + x] = 1;
            }
        }
        return ink;
    }
}
