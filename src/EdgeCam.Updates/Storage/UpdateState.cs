using System.Text.Json.Serialization;

namespace EdgeCam.Updates.Storage;

/// <summary>
/// state.json in the update state directory: which bundle runs, which ran before it, what was
/// refused, and the bookkeeping for the crash-loop rollback. Replaced durably on every change.
/// </summary>
public sealed class UpdateState
{
    /// <summary>The installed bundle version that runs; null runs the factory model from the config.</summary>
    public string? Current { get; set; }
    /// <summary>What ran before <see cref="Current"/> (null: the factory model), kept for rollback.</summary>
    public string? Previous { get; set; }
    /// <summary>When the switch to <see cref="Current"/> was made (Unix ms).</summary>
    public long SwitchedAtUnixMs { get; set; }
    /// <summary>Process starts since the switch, counted until the switch is confirmed.</summary>
    public int StartsSinceSwitch { get; set; }
    /// <summary>The current bundle ran long enough after the switch to be trusted.</summary>
    public bool Confirmed { get; set; } = true;
    /// <summary>Versions that failed (self-test, load, crash loop, health); not tried again.</summary>
    public List<RejectedVersion> Rejected { get; set; } = [];
}

public sealed class RejectedVersion
{
    public string Version { get; set; } = "";
    public string Reason { get; set; } = "";
    public long AtUnixMs { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(UpdateState))]
public sealed partial class UpdateStateJsonContext : JsonSerializerContext;
