using System.Diagnostics;
using System.Net;
using EdgeCam.Adapting;
using EdgeCam.Imaging.Frames;
using EdgeCam.Logging;
using EdgeCam.Rules;
using EdgeCam.Tests.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Tests.Adapting;

/// <summary>Even frame skipping, thermal throttling on a thermal-zone tree in a temp directory, the motion gate.</summary>
public class AdaptingTests
{
    private static readonly ILogger Log = new JournalLoggerFactory(new JournalLoggerProvider(LogLevel.Critical)).CreateLogger("test");
    private static readonly long F = Stopwatch.Frequency;

    private static Frame Grey(byte level, int w = 64, int h = 48) =>
        new(new ArrayFramePixels(Enumerable.Repeat(level, w * h).ToArray()), w, h, w, PixelFormat.Grey8);

    /// <summary>Feeds frames at the source rate from t = 1 s; returns the indices of processed frames.</summary>
    private static List<int> Run(FrameGovernor g, double sourceFps, int frames, double processSeconds = 0, long startTicks = 0)
    {
        var frame = Grey(0);
        var processed = new List<int>();
        for (int i = 0; i < frames; i++)
        {
            long now = F + startTicks + (long)(i * F / sourceFps);
            if (g.Decide(frame, now) != FrameVerdict.Process) continue;
            processed.Add(i);
            if (processSeconds > 0) g.Processed((long)(processSeconds * F));
        }
        return processed;
    }

    private static List<int> Gaps(List<int> indices) => indices.Zip(indices.Skip(1), (a, b) => b - a).ToList();

    [Fact]
    public void AMaximumRateTakesEvenlySpacedFrames()
    {
        var every3rd = Run(new FrameGovernor(30, 10, evenSkipping: false, null, null), 30, 300);
        Assert.All(Gaps(every3rd), gap => Assert.Equal(3, gap));
        Assert.InRange(every3rd.Count, 99, 101);

        // 12 of 30: gaps of 2 and 3 interleaved (2.5 on average), never a burst or a long hole.
        var twelve = Run(new FrameGovernor(30, 12, false, null, null), 30, 300);
        Assert.All(Gaps(twelve), gap => Assert.InRange(gap, 2, 3));
        Assert.InRange(twelve.Count, 118, 122);
    }

    [Fact]
    public void WhenInferenceCannotKeepUpTheRateFollowsWhatItSustains()
    {
        var g = new FrameGovernor(30, 0, evenSkipping: true, null, null);
        var processed = Run(g, 30, 600, processSeconds: 1 / 12.0); // the model manages 12 fps
        Assert.InRange(g.TargetFps, 12 / 1.15 - 0.1, 12 / 1.15 + 0.1); // with headroom
        var steady = Gaps(processed).Skip(10).ToList();
        Assert.All(steady, gap => Assert.InRange(gap, 2, 4));
        Assert.InRange(steady.Average(), 30 / (12 / 1.15) - 0.15, 30 / (12 / 1.15) + 0.15);

        // A fast model at the same source: nothing is skipped.
        var fast = new FrameGovernor(30, 0, true, null, null);
        Assert.Equal(300, Run(fast, 30, 300, processSeconds: 0.005).Count);
    }

    [Fact]
    public void ASourceWithoutANominalRateIsNeverDecimated()
    {
        var g = new FrameGovernor(0, 5, true, null, null);
        Assert.Equal(200, Run(g, 1000, 200, processSeconds: 0.1).Count);
    }

    [Fact]
    public void AfterAStallTheRateResumesWithoutABurst()
    {
        var g = new FrameGovernor(30, 10, false, null, null);
        Run(g, 30, 30);
        var after = Run(g, 30, 30, startTicks: 5 * F); // frames resume 4 s after the last one
        Assert.All(Gaps(after), gap => Assert.Equal(3, gap));
    }

    private static string ThermalZone(double celsius)
    {
        string zone = Path.Combine(TestAssets.TempDir("thermal"), "thermal_zone0");
        Directory.CreateDirectory(zone);
        File.WriteAllText(Path.Combine(zone, "type"), "cpu-thermal\n");
        SetTemperature(zone, celsius);
        return zone;
    }

    private static void SetTemperature(string zone, double celsius) =>
        File.WriteAllText(Path.Combine(zone, "temp"), $"{(long)(celsius * 1000)}\n");

    [Fact]
    public void ThermalThrottlingHasHysteresis()
    {
        string zone = ThermalZone(45);
        using var t = new ThermalThrottle(zone, aboveC: 80, belowC: 70, throttledFps: 2, TimeSpan.FromSeconds(2), Log);
        Assert.Equal(45, t.TemperatureC);
        Assert.False(t.Throttled);
        var expected = new (double C, bool Throttled)[] { (79.9, false), (80, true), (75, true), (70.5, true), (70, false), (75, false), (91.3, true) };
        long now = 0;
        foreach (var (c, throttled) in expected)
        {
            SetTemperature(zone, c);
            now += 2 * F;
            t.Poll(now);
            Assert.Equal(c, t.TemperatureC, 3);
            Assert.Equal(throttled, t.Throttled);
        }
        Assert.Equal(2, t.Throttlings);
        // Between checks the file is not read again.
        SetTemperature(zone, 20);
        t.Poll(now + F);
        Assert.Equal(91.3, t.TemperatureC, 3);
        SetTemperature(zone, -5.5);
        t.Poll(now + 2 * F);
        Assert.Equal(-5.5, t.TemperatureC, 3);
        Assert.False(t.Throttled);
    }

    [Fact]
    public void AHotSocLowersTheFrameRateUntilItCools()
    {
        string zone = ThermalZone(85);
        using var thermal = new ThermalThrottle(zone, 80, 70, throttledFps: 5, TimeSpan.FromSeconds(1), Log);
        var g = new FrameGovernor(30, 0, false, thermal, null);
        var hot = Run(g, 30, 90); // three seconds
        Assert.Equal(5, g.TargetFps);
        Assert.All(Gaps(hot), gap => Assert.Equal(6, gap));
        SetTemperature(zone, 65);
        var cool = Run(g, 30, 90, startTicks: 3 * F);
        Assert.Equal(30, g.TargetFps);
        Assert.True(cool.Count >= 85, $"{cool.Count} of 90 frames after cooling down");
    }

    [Fact]
    public void AMissingThermalZoneIsAnError() =>
        Assert.ThrowsAny<IOException>(() => new ThermalThrottle(Path.Combine(TestAssets.TempDir("nozone"), "thermal_zone9"), 80, 70, 2, TimeSpan.FromSeconds(1), Log));

    [Fact]
    public void TheMotionGateClosesOnAStillSceneAndOpensOnChange()
    {
        var gate = new MotionGate(differenceThreshold: 8, input: null, holdMs: 1000);
        var still = Grey(100);
        Assert.True(gate.Moving(still, 0)); // the first frame always passes
        Assert.True(gate.Moving(still, F / 2)); // within the hold
        Assert.Equal(0, gate.LastDifference);
        Assert.False(gate.Moving(still, 2 * F));
        Assert.False(gate.Moving(Grey(104), 3 * F)); // a small change (lighting flicker) is below the threshold
        Assert.True(gate.Moving(Grey(140), 4 * F));
        Assert.InRange(gate.LastDifference, 35, 37);
        Assert.True(gate.Moving(Grey(140), 4 * F + F / 2));
        Assert.False(gate.Moving(Grey(140), 6 * F));
    }

    [Fact]
    public void APirInputOpensTheGate()
    {
        var pir = new Level();
        var gate = new MotionGate(0, pir, holdMs: 500);
        var frame = Grey(0);
        Assert.True(gate.Moving(frame, 0));
        Assert.False(gate.Moving(frame, F));
        pir.IsActive = true;
        Assert.True(gate.Moving(frame, 2 * F));
        pir.IsActive = false;
        Assert.True(gate.Moving(frame, 2 * F + F / 4));
        Assert.False(gate.Moving(frame, 3 * F));
    }

    [Fact]
    public void TheGovernorDoesNotAllocatePerFrame()
    {
        string zone = ThermalZone(50);
        using var thermal = new ThermalThrottle(zone, 80, 70, 5, TimeSpan.Zero, Log); // reads every frame here
        var g = new FrameGovernor(30, 12, true, thermal, new MotionGate(5, null, 1000));
        var frame = Grey(80);
        long Frames(int from, int count)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = from; i < from + count; i++)
                if (g.Decide(frame, i * F / 30) == FrameVerdict.Process) g.Processed(F / 100);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Frames(0, 300); // JIT warm-up
        Assert.Equal(0, Frames(300, 300));
    }

    private sealed class Level : IBinaryInput
    {
        public string Name => "pir";
        public bool IsActive { get; set; }
    }
}

/// <summary>The adaptations in a real run, seen through /metrics.</summary>
public class AdaptingRunTests
{
    private static async Task<Dictionary<string, double>> Metrics(InProcessRun run)
    {
        var (samples, _) = PrometheusTextParser.Parse(await run.Client.GetStringAsync("/metrics"));
        return samples.ToDictionary(s => s.Name + (s.Labels.Count == 0 ? "" : "{" + string.Join(",", s.Labels.Select(l => $"{l.Key}={l.Value}")) + "}"), s => s.Value);
    }

    [Fact]
    public async Task AMaximumRateAndAHotSocShowInTheMetrics()
    {
        string zone = Path.Combine(TestAssets.TempDir("run-thermal"), "thermal_zone0");
        Directory.CreateDirectory(zone);
        File.WriteAllText(Path.Combine(zone, "temp"), "85000\n");
        using var run = new InProcessRun("adapt",
            $$"""{ "kind": "directory", "path": "{{TestAssets.RequireDir(Path.Combine(TestAssets.Cache, "data", "demo"))}}", "fps": 20, "loop": true }""",
            $$""", "adapt": { "maxFps": 10, "thermal": { "zone": "{{zone}}", "throttleAboveC": 80, "restoreBelowC": 70, "throttledFps": 4, "checkEverySeconds": 0.2 } }""");
        await run.WaitReady();
        await Task.Delay(1500);
        var hot = await Metrics(run);
        Assert.Equal(1, hot["edgecam_thermal_throttled"]);
        Assert.Equal(85, hot[$"edgecam_soc_temperature_celsius{{zone={zone}}}"]);
        Assert.Equal(4, hot["edgecam_target_fps"]);
        Assert.InRange(hot["edgecam_fps"], 3, 5);
        Assert.True(hot["edgecam_frames_skipped_total{reason=rate}"] > 10);

        File.WriteAllText(Path.Combine(zone, "temp"), "60000\n");
        await Task.Delay(1500);
        var cool = await Metrics(run);
        Assert.Equal(0, cool["edgecam_thermal_throttled"]);
        Assert.Equal(10, cool["edgecam_target_fps"]);
        Assert.Equal(0, run.Stop());
    }

    [Fact]
    public async Task TheMotionGateSkipsStillScenesInARealRun()
    {
        // Each photo is shown for 10 frames (0.5 s): a change opens the gate for 100 ms, the still rest is skipped.
        using var run = new InProcessRun("motion",
            $$"""{ "kind": "directory", "path": "{{TestAssets.RequireDir(Path.Combine(TestAssets.Cache, "data", "demo"))}}", "fps": 20, "framesPerImage": 10, "loop": true }""",
            """, "adapt": { "motion": { "frameDifference": 10, "holdMs": 100 } }""");
        await run.WaitReady();
        await Task.Delay(2500);
        var m = await Metrics(run);
        double skipped = m["edgecam_frames_skipped_total{reason=motion}"], processed = m["edgecam_frames_processed_total"];
        Assert.True(processed >= 4, $"{processed} processed"); // the photo changes (one every 0.5 s) go through
        Assert.True(skipped > processed, $"{skipped} skipped, {processed} processed");
        Assert.InRange(m["edgecam_motion_gate_open"], 0, 1);
        Assert.Equal(0, run.Stop());
    }
}
