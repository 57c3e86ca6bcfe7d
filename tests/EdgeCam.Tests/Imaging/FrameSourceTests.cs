using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Sources;

namespace EdgeCam.Tests.Imaging;

// Measures per-thread allocation: runs with no other test class in parallel.
[Collection(nameof(SerialTests))]
public class FrameSourceTests
{
    private static DecodedImage Solid(byte value, string name) => new(Enumerable.Repeat(value, 4 * 4 * 3).ToArray(), 4, 4, PixelFormat.Rgb24, name);

    [Fact]
    public void ReplaysAtItsFrameRateWaitingWhenEarly()
    {
        var clock = new ManualFrameClock();
        using var source = new DirectoryReplaySource([Solid(1, "a"), Solid(2, "b"), Solid(3, "c")], "test", fps: 10, loop: false, clock);
        var seen = new List<(long Seq, string? Origin, long Now)>();
        while (source.Next(CancellationToken.None) is { } frame)
        {
            seen.Add((frame.Sequence, frame.Origin, clock.Now));
            source.Release(frame);
        }
        Assert.Equal([0L, 1, 2], seen.Select(s => s.Seq));
        Assert.Equal(["a", "b", "c"], seen.Select(s => s.Origin));
        Assert.Equal([0L, 100_000, 200_000], seen.Select(s => s.Now)); // 10 fps = 100 ms apart
        Assert.Equal(0, source.DroppedFrames);
    }

    [Fact]
    public void ALateConsumerGetsTheNewestFrameAndTheSkippedOnesAreCounted()
    {
        var clock = new ManualFrameClock();
        var images = Enumerable.Range(0, 10).Select(i => Solid((byte)i, $"f{i}")).ToList();
        using var source = new DirectoryReplaySource(images, "test", fps: 10, loop: false, clock);
        Assert.Equal(0, source.Next(CancellationToken.None)!.Sequence);
        clock.AdvanceMs(350); // busy for 3.5 frame periods: frames 1, 2 skipped, 3 is current
        Assert.Equal(3, source.Next(CancellationToken.None)!.Sequence);
        Assert.Equal(2, source.DroppedFrames);
        clock.AdvanceMs(10_000); // far past the end: the last frame still comes, then the end
        Assert.Equal(9, source.Next(CancellationToken.None)!.Sequence);
        Assert.Equal(7, source.DroppedFrames);
        Assert.Null(source.Next(CancellationToken.None));
    }

    [Fact]
    public void LoopingKeepsSequenceNumbersMonotonic()
    {
        var clock = new ManualFrameClock();
        using var source = new DirectoryReplaySource([Solid(1, "a"), Solid(2, "b")], "test", fps: 0, loop: true, clock);
        var origins = Enumerable.Range(0, 5).Select(_ => source.Next(CancellationToken.None)!).Select(f => (f.Sequence, f.Origin)).ToList();
        Assert.Equal([(0L, "a"), (1, "b"), (2, "a"), (3, "b"), (4, "a")], origins);
    }

    [Fact]
    public void CancellationEndsTheStream()
    {
        using var cts = new CancellationTokenSource();
        using var source = new SyntheticPatternSource(8, 8, PixelFormat.Rgb24, fps: 5, frames: 0);
        Assert.NotNull(source.Next(cts.Token));
        cts.Cancel();
        Assert.Null(source.Next(cts.Token));
    }

    [Fact]
    public void OpensARealDirectoryAndSkipsNonImages()
    {
        string dir = TestAssets.TempDir("replay");
        File.Copy(TestAssets.GraceHopper, Path.Combine(dir, "b.jpg"));
        File.Copy(TestAssets.Fruits, Path.Combine(dir, "a.jpg"));
        File.WriteAllText(Path.Combine(dir, "readme.txt"), "not an image");
        using var source = DirectoryReplaySource.Open(dir, fps: 0, loop: false, maxDecodedBytes: 64 << 20);
        Assert.Equal(2, source.ImageCount);
        var first = source.Next(CancellationToken.None)!;
        Assert.EndsWith("a.jpg", first.Origin);
        Assert.Equal((512, 480), (first.Width, first.Height));
    }

    [Fact]
    public void AnEmptyDirectoryIsAClearError()
    {
        string dir = TestAssets.TempDir("empty");
        var e = Assert.Throws<ImageDecodeException>(() => DirectoryReplaySource.Open(dir, 10, false, 1 << 20));
        Assert.Contains(dir, e.Message);
        Assert.Contains("no JPEG", e.Message);
    }

    [Fact]
    public void TheReplayBudgetIsEnforced()
    {
        var e = Assert.Throws<ImageDecodeException>(() => DirectoryReplaySource.Open(TestAssets.DarknetDir, 10, false, 1 << 20));
        Assert.Contains("budget", e.Message);
    }

    [Fact]
    public void TheSyntheticPatternHasItsBarsInBothFormats()
    {
        using var rgb = new SyntheticPatternSource(64, 16, PixelFormat.Rgb24, fps: 0, frames: 1);
        var frame = rgb.Next(CancellationToken.None)!;
        // Top-left pixel is in the white bar, the last column in the black bar.
        Assert.Equal(new byte[] { 255, 255, 255 }, frame.Bytes[..3].ToArray());
        Assert.Equal(new byte[] { 0, 0, 0 }, frame.Bytes.Slice(63 * 3, 3).ToArray());
        Assert.Null(rgb.Next(CancellationToken.None));

        using var yuyv = new SyntheticPatternSource(64, 16, PixelFormat.Yuyv, fps: 0, frames: 1);
        var yf = yuyv.Next(CancellationToken.None)!;
        Assert.Equal(new byte[] { 235, 128, 235, 128 }, yf.Bytes[..4].ToArray()); // white in BT.601 limited
        Assert.Equal(16, yf.Bytes[62 * 2]); // black luma
    }

    [Fact]
    public void SourcesAllocateNothingPerFrame()
    {
        using var synthetic = new SyntheticPatternSource(320, 240, PixelFormat.Yuyv, fps: 0, frames: 0);
        using var replay = new DirectoryReplaySource([Solid(1, "a"), Solid(2, "b")], "test", fps: 0, loop: true);
        AllocationAssert.NoneInSteadyState(() =>
        {
            synthetic.Release(synthetic.Next(CancellationToken.None)!);
            replay.Release(replay.Next(CancellationToken.None)!);
        });
    }
}
