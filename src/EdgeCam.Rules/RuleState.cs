namespace EdgeCam.Rules;

/// <summary>One rule compiled for evaluation: thresholds resolved, zone built, and its state
/// (debounce window, active flag, times) kept between frames.</summary>
internal sealed class RuleState
{
    public required RuleDefinition Definition { get; init; }
    public required int LabelIndex { get; init; } // -1 = any class
    public Polygon? Zone { get; init; }
    /// <summary>Zone membership by the box's bottom-centre (where a person stands) instead of its centre.</summary>
    public bool BottomAnchor { get; init; }
    public IBinaryInput? Input { get; init; }
    public required CompiledAction[] Actions { get; init; }

    private readonly bool[] _window;
    private int _windowPos, _windowTrues, _windowFilled;

    public bool Active;
    public long ActiveSinceMs;
    public long LastActivationMs = long.MinValue;
    public long CooldownUntilMs = long.MinValue;

    public RuleState(int windowSize) => _window = new bool[windowSize];

    /// <summary>Adds this frame's raw outcome; returns how many of the last M frames were true.</summary>
    public int Push(bool value)
    {
        if (_windowFilled == _window.Length && _window[_windowPos]) _windowTrues--;
        _window[_windowPos] = value;
        if (value) _windowTrues++;
        _windowPos = (_windowPos + 1) % _window.Length;
        if (_windowFilled < _window.Length) _windowFilled++;
        return _windowTrues;
    }
}

internal enum ActionKind { Set, Pulse, Blink }

internal readonly record struct CompiledAction(int Output, ActionKind Kind, int DurationMs, int PeriodMs);
