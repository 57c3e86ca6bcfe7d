using EdgeCam.Devices.Gpio;
using EdgeCam.Vision;

namespace EdgeCam.Rules;

/// <summary>
/// Evaluates the rules on every frame's detections and drives the outputs. Per rule:
/// the condition (label, score, count, zone, input) gives a raw outcome; debounce requires N of
/// the last M outcomes; hysteresis uses the "on" threshold to start and the "off" one to stay;
/// once active a rule stays so for at least holdMs, and after it ends it cannot start again for
/// cooldownMs. An output is on while any action aimed at it asks for it ("set": while the rule is
/// active; "pulse": durationMs from each activation; "blink": alternate halves of periodMs while
/// active), and it is written only when that changes, so a steady scene costs no syscalls.
/// Allocation-free per frame. Frames are evaluated on the pipeline thread; rules that depend on an
/// input alone are also evaluated at once when the input changes (<see cref="OnInputChanged"/>,
/// from the input's thread), so a button or PIR acts without waiting for the next frame. One lock
/// serialises the two.
/// </summary>
public sealed class RuleEngine
{
    private readonly RuleState[] _rules;
    private readonly OutputBank _outputs;
    private readonly bool[] _desired, _current;
    private readonly long[] _manualUntilMs;
    private readonly IRuleEventSink? _sink;
    private readonly object _gate = new();

    public RuleEngine(IReadOnlyList<RuleDefinition> rules, IReadOnlyList<string> labels, OutputBank outputs,
        IReadOnlyList<IBinaryInput>? inputs = null, IRuleEventSink? sink = null)
    {
        _outputs = outputs;
        _sink = sink;
        _rules = new RuleState[rules.Count];
        for (int i = 0; i < rules.Count; i++) _rules[i] = Compile(rules[i], i, labels, outputs, inputs ?? []);
        _desired = new bool[outputs.Outputs.Count];
        _current = new bool[outputs.Outputs.Count];
        _manualUntilMs = new long[outputs.Outputs.Count];
        for (int o = 0; o < _current.Length; o++) _current[o] = outputs.Outputs[o].Line.Value;
    }

    public int RuleCount => _rules.Length;
    public string RuleName(int rule) => _rules[rule].Definition.Name;
    public OutputBank Outputs => _outputs;

    /// <summary>The value the engine last wrote to output <paramref name="output"/> (readable from any thread).</summary>
    public bool OutputValue(int output) => Volatile.Read(ref _current[output]);

    /// <summary>
    /// Holds an output on until <paramref name="untilMs"/> whatever the rules say (a wiring test from
    /// the HTTP API). Any thread may ask; the engine applies it on its own thread at the next frame,
    /// so the line has one writer. False when no output has that name.
    /// </summary>
    public bool HoldOn(string output, long untilMs)
    {
        for (int o = 0; o < _manualUntilMs.Length; o++)
        {
            if (_outputs.Outputs[o].Name != output) continue;
            Volatile.Write(ref _manualUntilMs[o], untilMs);
            return true;
        }
        return false;
    }
    public bool IsActive(int rule) => _rules[rule].Active;
    public bool IsActive(string rule) => _rules.First(r => r.Definition.Name == rule).Active;

    private static RuleState Compile(RuleDefinition r, int index, IReadOnlyList<string> labels, OutputBank outputs, IReadOnlyList<IBinaryInput> inputs)
    {
        int label = -1;
        if (r.When.Label is { } name)
        {
            label = IndexOf(labels, name);
            if (label < 0)
                throw new ArgumentException($"rules[{index}].when.label: \"{name}\" is not allowed, expected one of the model's labels " +
                    $"({(labels.Count == 0 ? "the model card lists none" : string.Join(", ", labels.Select(l => $"\"{l}\"")))})");
        }
        var actions = r.Actions.Select(a =>
        {
            int o = -1;
            for (int k = 0; k < outputs.Outputs.Count; k++) if (outputs.Outputs[k].Name == a.Output) o = k;
            if (o < 0) throw new ArgumentException($"rules[{index}]: output \"{a.Output}\" is not declared");
            var kind = a.Do switch { "pulse" => ActionKind.Pulse, "blink" => ActionKind.Blink, _ => ActionKind.Set };
            return new CompiledAction(o, kind, a.DurationMs, Math.Max(1, a.PeriodMs));
        }).ToArray();
        IBinaryInput? input = r.When.Input is { } inputName
            ? inputs.FirstOrDefault(i => i.Name == inputName) ?? throw new ArgumentException($"rules[{index}].when.input: \"{inputName}\" is not declared")
            : null;
        return new RuleState(r.Debounce?.Of ?? 1)
        {
            Definition = r,
            LabelIndex = label,
            Zone = r.When.Zone is { } z ? new Polygon(z) : null,
            BottomAnchor = r.When.ZoneAnchor == "bottom",
            Input = input,
            Actions = actions,
        };
    }

    private static int IndexOf(IReadOnlyList<string> labels, string name)
    {
        for (int i = 0; i < labels.Count; i++) if (labels[i] == name) return i;
        return -1;
    }

    /// <summary>Evaluates every rule on one frame's result at monotonic time <paramref name="nowMs"/>.</summary>
    public void Evaluate(InferenceResult result, long nowMs)
    {
        lock (_gate) EvaluateLocked(result, nowMs);
    }

    private void EvaluateLocked(InferenceResult result, long nowMs)
    {
        var detections = result.Detections.AsSpan();
        foreach (var rule in _rules)
        {
            var def = rule.Definition;
            var w = def.When;
            float threshold = def.Hysteresis is { } h ? (rule.Active ? h.Off : h.On) : w.MinScore;
            int count = 0;
            float best = 0;
            foreach (ref readonly var d in detections)
            {
                if (rule.LabelIndex >= 0 && d.ClassIndex != rule.LabelIndex) continue;
                if (!(d.Score >= threshold)) continue;
                if (rule.Zone is { } zone)
                {
                    float y = rule.BottomAnchor ? d.Box.Y1 : d.Box.CenterY;
                    if (!zone.Contains(d.Box.CenterX, y)) continue;
                }
                count++;
                if (d.Score > best) best = d.Score;
            }
            bool raw = count >= w.MinCount && (rule.Input is null || rule.Input.IsActive == w.InputState);
            Decide(rule, raw, nowMs, best, count);
        }
        UpdateOutputs(nowMs);
    }

    /// <summary>
    /// An input changed: rules that need nothing but that input (no label, minCount 0, no
    /// debounce, which counts frames) are decided now instead of at the next frame.
    /// </summary>
    public void OnInputChanged(long nowMs)
    {
        lock (_gate)
        {
            bool any = false;
            foreach (var rule in _rules)
            {
                var def = rule.Definition;
                if (rule.Input is null || rule.LabelIndex >= 0 || def.When.MinCount != 0 || (def.Debounce?.Of ?? 1) != 1) continue;
                Decide(rule, rule.Input.IsActive == def.When.InputState, nowMs, 0, 0);
                any = true;
            }
            if (any) UpdateOutputs(nowMs);
        }
    }

    private void Decide(RuleState rule, bool raw, long nowMs, float best, int count)
    {
        var def = rule.Definition;
        int hits = rule.Push(raw);
        bool debounced = hits >= (def.Debounce?.Hits ?? 1);

        if (!rule.Active && debounced && nowMs >= rule.CooldownUntilMs)
        {
            rule.Active = true;
            rule.ActiveSinceMs = nowMs;
            rule.LastActivationMs = nowMs;
            _sink?.OnRule(new RuleEvent(def.Name, true, nowMs, best, count));
        }
        else if (rule.Active && !debounced && nowMs - rule.ActiveSinceMs >= def.HoldMs)
        {
            rule.Active = false;
            rule.CooldownUntilMs = nowMs + def.CooldownMs;
            _sink?.OnRule(new RuleEvent(def.Name, false, nowMs, best, count));
        }
    }

    /// <summary>Advances time-based actions (pulse ends, blinking) between frames.</summary>
    public void Tick(long nowMs)
    {
        lock (_gate) UpdateOutputs(nowMs);
    }

    private void UpdateOutputs(long nowMs)
    {
        Array.Clear(_desired);
        foreach (var rule in _rules)
        {
            foreach (var a in rule.Actions)
            {
                bool on = a.Kind switch
                {
                    ActionKind.Set => rule.Active,
                    ActionKind.Pulse => rule.LastActivationMs != long.MinValue && nowMs - rule.LastActivationMs < a.DurationMs,
                    _ => rule.Active && (nowMs - rule.ActiveSinceMs) / a.PeriodMs % 2 == 0,
                };
                _desired[a.Output] |= on;
            }
        }
        for (int o = 0; o < _desired.Length; o++)
        {
            _desired[o] |= nowMs < Volatile.Read(ref _manualUntilMs[o]);
            if (_desired[o] == _current[o]) continue;
            if (!_outputs.TrySet(o, _desired[o])) return; // stopping: the outputs are in their safe state for good
            _current[o] = _desired[o];
            _sink?.OnOutput(_outputs.Outputs[o].Name, _desired[o], nowMs);
        }
    }
}
