using EdgeCam.Pipeline;
using EdgeCam.Rules;

namespace EdgeCam.Running;

/// <summary>
/// The state of a run that the HTTP API, the metrics and systemd read: what runs, whether it is
/// ready, the rule engine in force (replaced on a config reload) and reload outcomes. Written by
/// the pipeline thread, read by any.
/// </summary>
public sealed class RunStatus(PipelineStats stats, string modelName, string modelVersion, string source)
{
    private volatile bool _ready;
    private volatile RuleEngine? _rules;
    private long _reloadsApplied, _reloadsRejected;

    public PipelineStats Stats { get; } = stats;
    private volatile string _modelName = modelName, _modelVersion = modelVersion;
    public string ModelName => _modelName;
    /// <summary>The card's version, or with updates on, the running bundle's version ("factory" for the config's model).</summary>
    public string ModelVersion => _modelVersion;
    /// <summary>Set when updates are on: asks the update controller for a check now (POST /update/check).</summary>
    public Action? CheckUpdateNow { get; set; }

    /// <summary>A verified update (or a rollback) swapped the running model.</summary>
    public void ModelChanged(string name, string version)
    {
        _modelName = name;
        _modelVersion = version;
    }
    public string Source { get; } = source;
    public DateTime StartedUtc { get; } = DateTime.UtcNow;

    /// <summary>True once the model is loaded and the first frame went through the pipeline.</summary>
    public bool Ready => _ready;
    public void MarkReady() => _ready = true;

    public RuleEngine? Rules
    {
        get => _rules;
        set => _rules = value;
    }

    public long ReloadsApplied => Interlocked.Read(ref _reloadsApplied);
    public long ReloadsRejected => Interlocked.Read(ref _reloadsRejected);
    public string? LastReloadError { get; private set; }

    public void ReloadApplied() => Interlocked.Increment(ref _reloadsApplied);

    public void ReloadRejected(string error)
    {
        LastReloadError = error;
        Interlocked.Increment(ref _reloadsRejected);
    }
}
