using EdgeCam.Metrics;
using EdgeCam.Pipeline;

namespace EdgeCam.Updating;

/// <summary>The update state in /metrics: checks, refusals, rejected versions, whether the running switch is confirmed.</summary>
public static class UpdateMetrics
{
    public static void Register(MetricsRegistry metrics, UpdateAgent agent, FramePipeline pipeline)
    {
        metrics.Counter("edgecam_update_checks_total", "Update checks made.", () => agent.Checks);
        metrics.Counter("edgecam_update_refused_total", "Update checks that refused what the origin offered (see the log for the reason).", () => agent.Refusals);
        metrics.Gauge("edgecam_update_rejected_versions", "Bundle versions rejected on this device (self-test, load, health, crash loop).", () => agent.Store.State.Rejected.Count);
        metrics.Gauge("edgecam_update_confirmed", "1 when the running bundle's switch is confirmed (or the factory model runs).", () => agent.Store.State.Confirmed ? 1 : 0);
        metrics.Gauge("edgecam_update_running_bundle", "1 when a bundle from an update runs, 0 for the factory model.",
            () => pipeline.ModelVersion == UpdateAgent.FactoryVersion ? 0 : 1);
    }
}
