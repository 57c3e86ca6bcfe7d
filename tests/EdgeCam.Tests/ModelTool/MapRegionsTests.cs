using EdgeCam.ModelTool.Evaluation;
using EdgeCam.Vision;

namespace EdgeCam.Tests.ModelTool;

public class MapRegionsTests
{
    [Fact]
    public void RegionsAreTheBoxesOfEightConnectedComponentsLargestFirst()
    {
        const int h = 8, w = 10;
        var map = new float[h * w];
        void Set(int y, int x, float p) => map[y * w + x] = p;
        // A 2x4 bar (8 pixels) at rows 1-2, columns 1-4, and one pixel touching it only diagonally.
        for (int y = 1; y <= 2; y++) for (int x = 1; x <= 4; x++) Set(y, x, 0.9f);
        Set(3, 5, 0.9f);
        // A 3x3 block (9 pixels) apart, at rows 5-7, columns 7-9; one of its pixels is exactly at
        // the threshold, which is not above it.
        for (int y = 5; y <= 7; y++) for (int x = 7; x <= 9; x++) Set(y, x, 0.8f);
        Set(7, 9, 0.3f);
        // A lone pixel: noise under the minimum area.
        Set(6, 0, 1f);

        var regions = MapRegions.Find(map, h, w, 0.3f, minArea: 2);
        Assert.Equal([new BoxF(1, 1, 6, 4), new BoxF(7, 5, 10, 8)], regions);
        Assert.Equal([new BoxF(1, 1, 6, 4)], MapRegions.Find(map, h, w, 0.3f, minArea: 9));
        Assert.Empty(MapRegions.Find(map, h, w, 1f));

        // A faint blob only just above the threshold (row 4, columns 0-3): mean 0.4, against the
        // bar's 0.9 and the block's 0.8 (its pixel at the threshold is not part of it).
        for (int x = 0; x <= 3; x++) Set(4, x, 0.4f);
        Assert.Equal([new BoxF(1, 1, 6, 4), new BoxF(7, 5, 10, 8), new BoxF(0, 4, 4, 5)], MapRegions.Find(map, h, w, 0.3f, minArea: 2));
        Assert.Equal([new BoxF(1, 1, 6, 4), new BoxF(7, 5, 10, 8)], MapRegions.Find(map, h, w, 0.3f, minArea: 2, minMeanScore: 0.6f));
        Assert.Equal([new BoxF(1, 1, 6, 4)], MapRegions.Find(map, h, w, 0.3f, minArea: 2, minMeanScore: 0.85f));
    }

    [Fact]
    public void AMapOfTheWrongSizeIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => MapRegions.Find(new float[10], 3, 4, 0.5f));
        Assert.Contains("not 3x4", e.Message);
    }
}
