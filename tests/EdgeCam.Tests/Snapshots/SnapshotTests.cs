using EdgeCam.Updates.Storage;
using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Frames;
using EdgeCam.Logging;
using EdgeCam.Snapshots;
using EdgeCam.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Tests.Snapshots;

/// <summary>Frame captures, box drawing through the real libturbojpeg, and the on-disk store with its quota.</summary>
public class SnapshotTests
{
    private static readonly ILogger Log = new JournalLoggerFactory(new JournalLoggerProvider(LogLevel.Critical)).CreateLogger("test");

    private static InferenceResult OneBox(float x0, float y0, float x1, float y1)
    {
        var result = new InferenceResult();
        result.Detections.Add(new Detection { ClassIndex = 0, Score = 0.9f, Box = new BoxF(x0, y0, x1, y1) });
        return result;
    }

    private static Frame FrameOf(DecodedImage image) =>
        new(new ArrayFramePixels(image.Pixels), image.Width, image.Height, image.Width * 3, image.Format) { Sequence = 7 };

    [Fact]
    public void ASnapshotIsTheFrameWithItsBoxesDrawn()
    {
        using var decoder = new ImageDecoder();
        var grey = new DecodedImage(Enumerable.Repeat((byte)128, 320 * 240 * 3).ToArray(), 320, 240, PixelFormat.Rgb24, "grey");
        var captured = CapturedFrame.From(FrameOf(grey), OneBox(40, 30, 200, 180));
        using var encoder = new EdgeCam.Imaging.Codecs.TurboJpeg.JpegEncoder();
        var jpeg = decoder.Decode(captured.EncodeWithBoxes(encoder, 90), "snapshot");
        Assert.Equal((320, 240), (jpeg.Width, jpeg.Height));
        (int R, int G, int B) At(int x, int y) { int i = (y * 320 + x) * 3; return (jpeg.Pixels[i], jpeg.Pixels[i + 1], jpeg.Pixels[i + 2]); }
        // On the outline: red. Inside and outside: the grey frame.
        foreach (var (x, y) in new[] { (120, 30), (120, 180), (40, 100), (200, 100) })
        {
            var p = At(x, y);
            Assert.True(p.R > 180 && p.G < 110 && p.B < 110, $"({x},{y}) is {p}, expected red");
        }
        foreach (var (x, y) in new[] { (120, 100), (10, 10), (300, 220) })
        {
            var p = At(x, y);
            Assert.True(Math.Abs(p.R - 128) < 8 && Math.Abs(p.G - 128) < 8 && Math.Abs(p.B - 128) < 8, $"({x},{y}) is {p}, expected grey");
        }
        // The capture itself stays clean for the next encoding.
        Assert.All(captured.Rgb, b => Assert.Equal(128, b));
    }

    [Fact]
    public void AYuyvFrameIsConvertedToRgb()
    {
        // BT.601 limited-range red: Y 81, U 90, V 240.
        var yuyv = new byte[64 * 2 * 16];
        for (int i = 0; i < yuyv.Length; i += 4) { yuyv[i] = 81; yuyv[i + 1] = 90; yuyv[i + 2] = 81; yuyv[i + 3] = 240; }
        var frame = new Frame(new ArrayFramePixels(yuyv), 64, 16, 128, PixelFormat.Yuyv);
        var captured = CapturedFrame.From(frame, new InferenceResult());
        for (int i = 0; i < captured.Rgb.Length; i += 3)
            Assert.True(captured.Rgb[i] > 250 && captured.Rgb[i + 1] < 5 && captured.Rgb[i + 2] < 5, $"pixel {i / 3}: {captured.Rgb[i]},{captured.Rgb[i + 1]},{captured.Rgb[i + 2]}");
    }

    [Fact]
    public void TheStoreWritesWholeFilesAndDeletesTheOldestBeyondItsQuota()
    {
        string dir = TestAssets.TempDir("snapshots");
        File.WriteAllText(Path.Combine(dir, DurableFile.TempPrefix + "left-by-a-power-cut.jpg"), "half");
        using var decoder = new ImageDecoder();
        var photo = decoder.DecodeFile(TestAssets.GraceHopper);
        var capture = CapturedFrame.From(FrameOf(photo), OneBox(100, 100, 300, 300));
        using var encoder = new EdgeCam.Imaging.Codecs.TurboJpeg.JpegEncoder();
        long one = capture.EncodeWithBoxes(encoder, 85).Length;

        using (var store = new SnapshotStore(dir, quotaBytes: one * 3 + one / 2, quality: 85, Log))
        {
            Assert.Empty(Directory.GetFiles(dir, DurableFile.TempPrefix + "*")); // the interrupted write is gone
            var names = new List<string>();
            for (int i = 0; i < 6; i++)
            {
                store.Enqueue($"rule {i}", capture);
                Assert.True(store.Flush(TimeSpan.FromSeconds(10)));
                Thread.Sleep(2); // distinct millisecond time stamps in the names
            }
            Assert.Equal(6, store.Written);
            Assert.Equal(3, store.Deleted);
            Assert.Equal(0, store.Failed);
        }
        var files = Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, files.Count);
        // The newest three remain, named by time, rule (made file-safe) and frame.
        Assert.Equal(["rule_3", "rule_4", "rule_5"], files.Select(f => f!.Split('-')[1]));
        Assert.All(files, f => Assert.EndsWith("-7.jpg", f));
        Assert.All(files, f =>
        {
            var image = decoder.DecodeFile(Path.Combine(dir, f!));
            Assert.Equal((512, 600), (image.Width, image.Height));
        });
    }

    [Fact]
    public void AnAtomicWriteReplacesWholeAndLeavesNoTempFile()
    {
        string dir = TestAssets.TempDir("atomic");
        string path = Path.Combine(dir, "a.jpg");
        SnapshotStore.WriteAtomically(path, new byte[] { 1, 2, 3 });
        SnapshotStore.WriteAtomically(path, new byte[] { 4, 5 });
        Assert.Equal(new byte[] { 4, 5 }, File.ReadAllBytes(path));
        Assert.Equal(["a.jpg"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void AnUnwritableDirectoryIsCountedAndLoggedNotThrown()
    {
        string dir = TestAssets.TempDir("gone");
        var capture = CapturedFrame.From(new Frame(new ArrayFramePixels(new byte[16 * 16 * 3]), 16, 16, 48, PixelFormat.Rgb24), new InferenceResult());
        using var store = new SnapshotStore(dir, 1 << 20, 85, Log);
        Directory.Delete(dir);
        store.Enqueue("r", capture);
        Assert.True(store.Flush(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, store.Failed);
        Assert.Equal(0, store.Written);
    }
}
