using EdgeCam.Adapting;
using EdgeCam.Pipeline;

namespace EdgeCam.Metrics;

/// <summary>How the run adapts to the device: skipped frames by reason, the target rate, and the
/// thermal zone and motion gate when configured.</summary>
public static class AdaptMetrics
{
    public static void Register(MetricsRegistry registry, PipelineStats stats, FrameGovernor governor)
    {
        registry.Register(w => w.Family("edgecam_frames_skipped_total", "counter", "Frames skipped on purpose: rate = evenly spaced to the target rate; motion = nothing moved.")
            .Sample("edgecam_frames_skipped_total", stats.FramesSkippedRate, ("reason", "rate"))
            .Sample("edgecam_frames_skipped_total", stats.FramesSkippedMotion, ("reason", "motion")));
        registry.Gauge("edgecam_target_fps", "The rate frames are processed at now (0 = every frame the source delivers).", () => governor.TargetFps);
        if (governor.Thermal is { } thermal)
        {
            registry.Register(w => w.Family("edgecam_soc_temperature_celsius", "gauge", "The watched thermal zone's temperature.")
                .Sample("edgecam_soc_temperature_celsius", thermal.TemperatureC, ("zone", thermal.Zone)));
            registry.Gauge("edgecam_thermal_throttled", "1 while the frame rate is lowered because the SoC is hot.", () => thermal.Throttled ? 1 : 0);
        }
        if (governor.Motion is { } motion)
            registry.Gauge("edgecam_motion_gate_open", "1 while the motion gate lets frames through to inference.", () => motion.Open ? 1 : 0);
    }
}
