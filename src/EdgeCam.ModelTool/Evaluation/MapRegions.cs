using EdgeCam.Vision;

namespace EdgeCam.ModelTool.Evaluation;

/// <summary>
/// The regions of a probability map (a DB text detector's): the bounding boxes of the 8-connected
/// components above a threshold, largest first, so that two maps can be compared box by box like
/// a detector's boxes. Components smaller than <c>minArea</c> pixels are noise, not text (DB's own
/// post-processing drops boxes under 3 pixels a side), and so are components whose mean probability
/// is under <c>minMeanScore</c>: PaddleOCR's DB post-processing keeps a box only if the map's mean
/// inside it reaches its box threshold (0.6 in its inference defaults), so faint blobs that only
/// just cross the binarisation threshold never become text boxes.
/// </summary>
public static class MapRegions
{
    public static BoxF[] Find(ReadOnlySpan<float> map, int height, int width, float threshold, int minArea = 9, float minMeanScore = 0)
    {
        if (map.Length != height * width) throw new ArgumentException($"map of {map.Length} values is not {height}x{width}");
        var label = new int[map.Length];
        var stack = new Stack<int>();
        var regions = new List<(BoxF Box, int Area)>();
        for (int start = 0; start < map.Length; start++)
        {
            if (label[start] != 0 || !(map[start] > threshold)) continue;
            int x0 = width, y0 = height, x1 = -1, y1 = -1, area = 0;
            double sum = 0;
            label[start] = 1;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop(), y = p / width, x = p % width;
                area++;
                sum += map[p];
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int ny = y + dy, nx = x + dx;
                        if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
                        int q = ny * width + nx;
                        if (label[q] != 0 || !(map[q] > threshold)) continue;
                        label[q] = 1;
                        stack.Push(q);
                    }
            }
            // Pixel boxes: a component covering columns x0..x1 spans [x0, x1 + 1).
            if (area >= minArea && sum / area >= minMeanScore) regions.Add((new BoxF(x0, y0, x1 + 1, y1 + 1), area));
        }
        return regions.OrderByDescending(r => r.Area).Select(r => r.Box).ToArray();
    }
}
