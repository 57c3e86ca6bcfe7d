namespace EdgeCam.Rules;

/// <summary>Checks rule definitions; messages follow the configuration's one pattern:
/// <c>rules[1].debounce.of: 0 is not allowed, expected an integer >= 1</c>.</summary>
public static class RuleValidator
{
    private static readonly string[] Kinds = ["set", "pulse", "blink"];
    private static readonly string[] Anchors = ["center", "bottom"];

    /// <param name="outputs">Names of the declared outputs; <paramref name="inputs"/> of the declared inputs.</param>
    public static void Validate(IReadOnlyList<RuleDefinition> rules, ICollection<string> outputs, ICollection<string> inputs, List<string> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < rules.Count; i++)
        {
            var r = rules[i];
            string p = $"rules[{i}]";
            if (string.IsNullOrWhiteSpace(r.Name)) errors.Add($"{p}.name: missing, expected a name for events and logs");
            else if (!names.Add(r.Name)) errors.Add($"{p}.name: \"{r.Name}\" is not allowed, expected a name no other rule has");
            var w = r.When;
            Score($"{p}.when.minScore", w.MinScore, errors);
            if (w.MinCount < 0) errors.Add($"{p}.when.minCount: {w.MinCount} is not allowed, expected an integer >= 0");
            if (Array.IndexOf(Anchors, w.ZoneAnchor) < 0)
                errors.Add($"{p}.when.zoneAnchor: \"{w.ZoneAnchor}\" is not allowed, expected one of \"center\", \"bottom\"");
            if (w.Zone is { } zone)
            {
                if (zone.Count < 3) errors.Add($"{p}.when.zone: {zone.Count} points is not allowed, expected a polygon of at least 3 [x, y] points");
                for (int k = 0; k < zone.Count; k++)
                    if (zone[k].Count != 2) errors.Add($"{p}.when.zone[{k}]: {zone[k].Count} numbers is not allowed, expected [x, y]");
            }
            if (w.Input is { } input && !inputs.Contains(input))
                errors.Add($"{p}.when.input: \"{input}\" is not allowed, expected the name of a gpio input ({List(inputs)})");
            if (r.Debounce is { } d)
            {
                if (d.Of < 1) errors.Add($"{p}.debounce.of: {d.Of} is not allowed, expected an integer >= 1");
                else if (d.Of > 1000) errors.Add($"{p}.debounce.of: {d.Of} is not allowed, expected an integer <= 1000");
                if (d.Hits < 1 || (d.Of >= 1 && d.Hits > d.Of))
                    errors.Add($"{p}.debounce.hits: {d.Hits} is not allowed, expected an integer from 1 to debounce.of ({d.Of})");
            }
            if (r.Hysteresis is { } h)
            {
                Score($"{p}.hysteresis.on", h.On, errors);
                Score($"{p}.hysteresis.off", h.Off, errors);
                if (h.Off > h.On) errors.Add($"{p}.hysteresis.off: {h.Off} is not allowed, expected a score <= hysteresis.on ({h.On})");
            }
            if (r.HoldMs < 0) errors.Add($"{p}.holdMs: {r.HoldMs} is not allowed, expected an integer >= 0");
            if (r.CooldownMs < 0) errors.Add($"{p}.cooldownMs: {r.CooldownMs} is not allowed, expected an integer >= 0");
            if (r.Actions.Count == 0) errors.Add($"{p}.actions: empty is not allowed, expected at least one action");
            for (int a = 0; a < r.Actions.Count; a++)
            {
                var act = r.Actions[a];
                string ap = $"{p}.actions[{a}]";
                if (!outputs.Contains(act.Output))
                    errors.Add($"{ap}.output: \"{act.Output}\" is not allowed, expected the name of a gpio output ({List(outputs)})");
                if (Array.IndexOf(Kinds, act.Do) < 0)
                    errors.Add($"{ap}.do: \"{act.Do}\" is not allowed, expected one of \"set\", \"pulse\", \"blink\"");
                if (act.Do == "pulse" && act.DurationMs < 1) errors.Add($"{ap}.durationMs: {act.DurationMs} is not allowed, expected an integer >= 1");
                if (act.Do == "blink" && act.PeriodMs < 10) errors.Add($"{ap}.periodMs: {act.PeriodMs} is not allowed, expected an integer >= 10");
            }
        }
    }

    private static string List(ICollection<string> names) => names.Count == 0 ? "none declared" : string.Join(", ", names.Select(n => $"\"{n}\""));

    private static void Score(string path, float v, List<string> errors)
    {
        if (!(v >= 0 && v <= 1)) errors.Add($"{path}: {v} is not allowed, expected a number from 0 to 1");
    }
}
