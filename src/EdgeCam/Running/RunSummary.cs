using System.Diagnostics;
using EdgeCam.Output;
using EdgeCam.Pipeline;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Running;

/// <summary>Measurements of one run that are not per-stage latencies: start-up, memory, allocation.</summary>
public sealed class RunMeasurements
{
    public double StartupMs { get; set; }
    public long RssAfterWarmupBytes { get; set; }
    /// <summary>Managed bytes the pipeline thread had allocated when warm-up ended (the frame loop runs on this thread).</summary>
    public long AllocatedAtWarmup { get; set; }
    public long FramesAtWarmup { get; set; }
    /// <summary>The same counter right after the last frame, before shutdown work allocates.</summary>
    public long AllocatedAtEnd { get; set; }

    public static long ResidentBytes()
    {
        // /proc/self/statm field 2 is resident pages; Environment.WorkingSet reads the same source but slower.
        try
        {
            var parts = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return Environment.WorkingSet;
        }
    }

    public static double MillisecondsSinceProcessStart() => (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
}

/// <summary>The end-of-run summary: a JSON line on stdout (for tools) and a few lines in the log (for people).</summary>
public static class RunSummary
{
    public static void Write(JsonLineWriter output, PipelineStats stats, RunMeasurements m, string model, string source, ILogger log,
        double targetFps = 0, Action<System.Text.Json.Utf8JsonWriter>? extra = null,
        IReadOnlyList<SensorSampler>? sensors = null)
    {
        long allocated = m.AllocatedAtEnd - m.AllocatedAtWarmup;
        long framesSinceWarmup = stats.FramesProcessed;
        double perFrame = framesSinceWarmup > 0 ? allocated / (double)framesSinceWarmup : 0;
        long rssEnd = RunMeasurements.ResidentBytes();
        output.WriteLine(w =>
        {
            w.WriteStartObject("summary");
            w.WriteString("model", model);
            w.WriteString("source", source);
            w.WriteNumber("framesProcessed", stats.FramesProcessed + m.FramesAtWarmup);
            w.WriteNumber("framesMeasured", stats.FramesProcessed);
            w.WriteNumber("framesDropped", stats.FramesDropped);
            w.WriteNumber("framesFailed", stats.FramesFailed);
            w.WriteNumber("fps", Math.Round(stats.FramesPerSecond, 2));
            w.WriteNumber("framesSkippedForRate", stats.FramesSkippedRate);
            w.WriteNumber("framesSkippedNoMotion", stats.FramesSkippedMotion);
            w.WriteNumber("targetFps", Math.Round(targetFps, 2));
            w.WriteNumber("elapsedSeconds", Math.Round(stats.ElapsedSeconds, 3));
            w.WriteNumber("startupMs", Math.Round(m.StartupMs, 1));
            w.WriteNumber("rssAfterWarmupBytes", m.RssAfterWarmupBytes);
            w.WriteNumber("rssEndBytes", rssEnd);
            w.WriteNumber("allocatedBytesPerFrame", Math.Round(perFrame, 2));
            extra?.Invoke(w);
            w.WriteStartObject("stages");
            foreach (var (name, h) in stats.Stages())
            {
                w.WriteStartObject(name);
                w.WriteNumber("meanMs", Math.Round(h.MeanMs, 4));
                w.WriteNumber("p99Ms", Math.Round(h.PercentileMs(0.99), 4));
                w.WriteNumber("maxMs", Math.Round(h.MaxMs, 4));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            if (sensors is { Count: > 0 })
            {
                // The latest value of each quantity of each sensor, e.g. "room": {"temperature": 25.08, ...}.
                w.WriteStartObject("sensors");
                foreach (var s in sensors)
                {
                    w.WriteStartObject(s.Name);
                    foreach (var v in s.Latest) w.WriteNumber(v.Quantity, Math.Round(v.Value, 3));
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        });
        log.LogInformation("{Frames} frames ({Dropped} dropped, {Failed} failed) in {Seconds:0.0} s: {Fps:0.0} fps; start-up {Startup:0} ms, RSS {Rss:0.0} MB",
            stats.FramesProcessed + m.FramesAtWarmup, stats.FramesDropped, stats.FramesFailed, stats.ElapsedSeconds, stats.FramesPerSecond,
            m.StartupMs, rssEnd / 1e6);
        if (stats.FramesSkippedRate + stats.FramesSkippedMotion > 0)
            log.LogInformation("skipped on purpose: {Rate} frames to keep an even {Target:0.0} fps, {Motion} while nothing moved",
                stats.FramesSkippedRate, targetFps, stats.FramesSkippedMotion);
        foreach (var (name, h) in stats.Stages())
            log.LogInformation("  {Stage,-11} mean {Mean,8:0.000} ms   p99 {P99,8:0.000} ms", name, h.MeanMs, h.PercentileMs(0.99));
    }
}
