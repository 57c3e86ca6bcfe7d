using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeCam.Tests.Http;

/// <summary>
/// An independent reader of the Prometheus text exposition format (0.0.4), written from the format's
/// description: every line is blank, a "# HELP"/"# TYPE" comment (or another comment), or a sample
/// "name{label="value",...} value [timestamp]" with valid names, escapes and numbers. Throws on the
/// first line that is none of these.
/// </summary>
public static partial class PrometheusTextParser
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*$")] private static partial Regex MetricName();
    [GeneratedRegex(@"^[a-zA-Z_][a-zA-Z0-9_]*$")] private static partial Regex LabelName();

    public static (List<Sample> Samples, Dictionary<string, string> Types) Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>();
        var helps = new HashSet<string>();
        if (!text.EndsWith('\n')) throw new FormatException("the exposition must end with a line feed");
        int number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0) continue;
            if (line[0] == '#')
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[1] is "HELP" or "TYPE")
                {
                    if (!MetricName().IsMatch(parts[2])) throw new FormatException($"line {number}: bad metric name in \"{line}\"");
                    if (parts[1] == "TYPE")
                    {
                        if (parts.Length != 4 || parts[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                            throw new FormatException($"line {number}: bad TYPE line \"{line}\"");
                        if (!types.TryAdd(parts[2], parts[3])) throw new FormatException($"line {number}: second TYPE for {parts[2]}");
                        if (samples.Any(s => Family(s.Name, types) == parts[2]))
                            throw new FormatException($"line {number}: TYPE for {parts[2]} after its samples");
                    }
                    else if (!helps.Add(parts[2])) throw new FormatException($"line {number}: second HELP for {parts[2]}");
                }
                continue;
            }
            samples.Add(ParseSample(line, number));
        }
        return (samples, types);
    }

    private static string Family(string name, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            if (name.EndsWith(suffix) && types.TryGetValue(name[..^suffix.Length], out var t) && t == "histogram") return name[..^suffix.Length];
        return name;
    }

    private static Sample ParseSample(string line, int number)
    {
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        string name = line[..i];
        if (!MetricName().IsMatch(name)) throw new FormatException($"line {number}: bad metric name \"{name}\"");
        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int eq = line.IndexOf('=', i);
                if (eq < 0) throw new FormatException($"line {number}: label without '='");
                string label = line[i..eq];
                if (!LabelName().IsMatch(label)) throw new FormatException($"line {number}: bad label name \"{label}\"");
                if (line[eq + 1] != '"') throw new FormatException($"line {number}: label value not quoted");
                var value = new System.Text.StringBuilder();
                int j = eq + 2;
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] switch { '\\' => '\\', '"' => '"', 'n' => '\n', _ => throw new FormatException($"line {number}: bad escape \\{line[j]}") });
                    }
                    else value.Append(line[j]);
                }
                if (!labels.TryAdd(label, value.ToString())) throw new FormatException($"line {number}: label {label} twice");
                i = j + 1;
                if (line[i] == ',') i++;
                else if (line[i] != '}') throw new FormatException($"line {number}: expected ',' or '}}' after a label");
            }
            i++;
        }
        if (i >= line.Length || line[i] != ' ') throw new FormatException($"line {number}: expected a space before the value");
        var rest = line[(i + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2) throw new FormatException($"line {number}: expected a value and an optional timestamp");
        double v = rest[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        if (rest.Length == 2) long.Parse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return new Sample(name, labels, v);
    }
}
