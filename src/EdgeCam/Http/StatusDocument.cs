using System.Text.Json.Serialization;
using EdgeCam.Running;

namespace EdgeCam.Http;

/// <summary>What GET /status returns.</summary>
public sealed record StatusDocument(
    bool Ready, string Model, string ModelVersion, string Source, DateTime StartedUtc, double UptimeSeconds,
    long FramesProcessed, long FramesDropped, long FramesFailed, double Fps,
    Dictionary<string, StageStatus> Stages, List<RuleStatus> Rules, List<OutputStatus> Outputs, ReloadStatus ConfigReloads)
{
    public static StatusDocument From(RunStatus run)
    {
        var stats = run.Stats;
        var stages = new Dictionary<string, StageStatus>();
        foreach (var (name, h) in stats.Stages())
            stages[name] = new StageStatus(h.Count, Math.Round(h.MeanMs, 4), Math.Round(h.PercentileMs(0.99), 4), Math.Round(h.MaxMs, 4));
        var rules = new List<RuleStatus>();
        var outputs = new List<OutputStatus>();
        if (run.Rules is { } engine)
        {
            for (int r = 0; r < engine.RuleCount; r++) rules.Add(new RuleStatus(engine.RuleName(r), engine.IsActive(r)));
            for (int o = 0; o < engine.Outputs.Outputs.Count; o++) outputs.Add(new OutputStatus(engine.Outputs.Outputs[o].Name, engine.OutputValue(o)));
        }
        return new StatusDocument(run.Ready, run.ModelName, run.ModelVersion, run.Source, run.StartedUtc,
            Math.Round((DateTime.UtcNow - run.StartedUtc).TotalSeconds, 3),
            stats.FramesProcessedTotal, stats.FramesDropped, stats.FramesFailedTotal, Math.Round(stats.FramesPerSecond, 2),
            stages, rules, outputs, new ReloadStatus(run.ReloadsApplied, run.ReloadsRejected, run.LastReloadError));
    }
}

public sealed record StageStatus(long Count, double MeanMs, double P99Ms, double MaxMs);
public sealed record RuleStatus(string Name, bool Active);
public sealed record OutputStatus(string Name, bool Value);
public sealed record ReloadStatus(long Applied, long Rejected, string? LastError);
public sealed record PulseAccepted(string Output, int DurationMs);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StatusDocument))]
[JsonSerializable(typeof(PulseAccepted))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
