using System.Diagnostics;
using EdgeCam.Pipeline;
using EdgeCam.Running;

namespace EdgeCam.Metrics;

/// <summary>
/// The families a run exposes: frames, drops, failures, frame rate, per-stage latency histograms
/// (inference among them), model version, readiness, rule and output states, config reloads.
/// Everything is read from what the pipeline already keeps; a scrape costs the pipeline nothing.
/// </summary>
public static class RunMetrics
{
    /// <summary>Histogram bounds in seconds, snapped to the latency histogram's own bucket edges
    /// (so each cumulative count is exact): about 0.1 ms .. 10 s in 1-2.5-5 steps.</summary>
    private static readonly long[] EdgesNs = new long[] {
        100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 10_000_000_000 }
        .Select(LatencyHistogram.EdgeAtOrAboveNs).ToArray();
    private static readonly string[] EdgeLabels = EdgesNs.Select(ns => PrometheusWriter.FormatValue(ns / 1e9)).ToArray();

    public static void Register(MetricsRegistry registry, RunStatus run)
    {
        var stats = run.Stats;
        registry.Register(w => w.Family("edgecam_build_info", "gauge", "The running model (name and version from its card); always 1.")
            .Sample("edgecam_build_info", 1, ("model", run.ModelName), ("model_version", run.ModelVersion)));
        registry.Gauge("edgecam_ready", "1 once the model is loaded and the first frame processed.", () => run.Ready ? 1 : 0);
        registry.Gauge("edgecam_start_time_seconds", "Unix time the run started.",
            () => (run.StartedUtc - DateTime.UnixEpoch).TotalSeconds);
        registry.Counter("edgecam_frames_processed_total", "Frames that went through the whole pipeline.", () => stats.FramesProcessedTotal);
        registry.Counter("edgecam_frames_dropped_total", "Frames the source skipped because the pipeline was busy.", () => stats.FramesDropped);
        registry.Counter("edgecam_frames_failed_total", "Frames whose processing failed and were skipped.", () => stats.FramesFailedTotal);
        registry.Gauge("edgecam_fps", "Processed frames per second since warm-up.", () => stats.FramesPerSecond);
        registry.Gauge("edgecam_last_frame_age_seconds", "Seconds since the latest processed frame (-1 before the first).",
            () => stats.LastFrameTicks == 0 ? -1 : Stopwatch.GetElapsedTime(stats.LastFrameTicks).TotalSeconds);
        registry.Register(w => WriteStageHistograms(w, stats));
        registry.Register(w => WriteRulesAndOutputs(w, run));
        registry.Register(w => w.Family("edgecam_config_reloads_total", "counter", "Configuration reloads (SIGHUP) by outcome.")
            .Sample("edgecam_config_reloads_total", run.ReloadsApplied, ("result", "applied"))
            .Sample("edgecam_config_reloads_total", run.ReloadsRejected, ("result", "rejected")));
    }

    private static void WriteStageHistograms(PrometheusWriter w, PipelineStats stats)
    {
        const string name = "edgecam_stage_duration_seconds";
        w.Family(name, "histogram", "Time each pipeline stage takes per frame (wait = waiting for the source; total = preprocess to rules). Reset once after warm-up.");
        Span<long> counts = stackalloc long[EdgesNs.Length];
        foreach (var (stage, h) in stats.Stages())
        {
            h.ReadCumulative(EdgesNs, counts, out long total, out long sumNs);
            for (int i = 0; i < EdgesNs.Length; i++) w.Sample(name + "_bucket", counts[i], ("stage", stage), ("le", EdgeLabels[i]));
            w.Sample(name + "_bucket", total, ("stage", stage), ("le", "+Inf"));
            w.Sample(name + "_sum", sumNs / 1e9, ("stage", stage));
            w.Sample(name + "_count", total, ("stage", stage));
        }
    }

    private static void WriteRulesAndOutputs(PrometheusWriter w, RunStatus run)
    {
        if (run.Rules is not { } rules) return;
        w.Family("edgecam_rule_active", "gauge", "1 while the rule is active.");
        for (int r = 0; r < rules.RuleCount; r++) w.Sample("edgecam_rule_active", rules.IsActive(r) ? 1 : 0, ("rule", rules.RuleName(r)));
        w.Family("edgecam_output_state", "gauge", "The value last written to each output (1 = on).");
        for (int o = 0; o < rules.Outputs.Outputs.Count; o++)
            w.Sample("edgecam_output_state", rules.OutputValue(o) ? 1 : 0, ("output", rules.Outputs.Outputs[o].Name));
    }
}
