namespace EdgeCam.Rules;

/// <summary>
/// A rule as written in the configuration file. It becomes active when its condition holds
/// (debounced, with optional hysteresis), stays active at least <see cref="HoldMs"/>, and may not
/// start again until <see cref="CooldownMs"/> after it ended. Its actions drive outputs.
/// </summary>
public sealed class RuleDefinition
{
    public string Name { get; set; } = "";
    public ConditionDefinition When { get; set; } = new();
    /// <summary>N of the last M frames must meet the condition (default 1 of 1).</summary>
    public DebounceDefinition? Debounce { get; set; }
    /// <summary>Separate score thresholds to become active and to stay active.</summary>
    public HysteresisDefinition? Hysteresis { get; set; }
    public int HoldMs { get; set; }
    public int CooldownMs { get; set; }
    public List<ActionDefinition> Actions { get; set; } = [];
}

public sealed class ConditionDefinition
{
    /// <summary>The class label detections must have; null = any class.</summary>
    public string? Label { get; set; }
    /// <summary>Minimum score of a matching detection (replaced by hysteresis thresholds when given).</summary>
    public float MinScore { get; set; } = 0.5f;
    /// <summary>How many matching detections are needed; 0 with no label means "no detection needed".</summary>
    public int MinCount { get; set; } = 1;
    /// <summary>A polygon [[x, y], ...] in source-image pixels; a detection matches when its anchor point is inside.</summary>
    public List<List<float>>? Zone { get; set; }
    /// <summary>"center" (box centre, default) or "bottom" (bottom-centre: where a person stands).</summary>
    public string ZoneAnchor { get; set; } = "center";
    /// <summary>An input (a configured GPIO input) that must be in <see cref="InputState"/>.</summary>
    public string? Input { get; set; }
    public bool InputState { get; set; } = true;
}

public sealed class DebounceDefinition
{
    public int Hits { get; set; } = 1;
    public int Of { get; set; } = 1;
}

public sealed class HysteresisDefinition
{
    /// <summary>Best score needed to become active.</summary>
    public float On { get; set; }
    /// <summary>Best score needed to stay active (at most <see cref="On"/>).</summary>
    public float Off { get; set; }
}

public sealed class ActionDefinition
{
    public string Output { get; set; } = "";
    /// <summary>"set" (on while the rule is active), "pulse" (on for durationMs at each activation)
    /// or "blink" (toggle every periodMs while active).</summary>
    public string Do { get; set; } = "set";
    public int DurationMs { get; set; } = 500;
    public int PeriodMs { get; set; } = 500;
}
