using System.Globalization;
using System.Text;

namespace EdgeCam.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4): per family one "# HELP" and one
/// "# TYPE" line, then its samples "name{label="value",...} number". Names and label names are
/// checked here so a bad registration fails loudly in tests instead of breaking every scrape.
/// </summary>
public sealed class PrometheusWriter
{
    private readonly StringBuilder _text = new(4096);
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);

    public string Text => _text.ToString();

    /// <summary>Starts a family; type is "counter", "gauge", "histogram" or "untyped".</summary>
    public PrometheusWriter Family(string name, string type, string help)
    {
        if (!IsValidName(name)) throw new ArgumentException($"metric name \"{name}\" is not valid ([a-zA-Z_:][a-zA-Z0-9_:]*)");
        if (type is not ("counter" or "gauge" or "histogram" or "untyped"))
            throw new ArgumentException($"metric {name}: type \"{type}\" is not counter, gauge, histogram or untyped");
        if (!_families.Add(name)) throw new ArgumentException($"metric {name} is registered twice");
        _text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    public PrometheusWriter Sample(string name, double value) => Sample(name, value, ReadOnlySpan<(string, string)>.Empty);

    public PrometheusWriter Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        if (!IsValidName(name)) throw new ArgumentException($"metric name \"{name}\" is not valid");
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                if (!IsValidLabelName(labels[i].Name)) throw new ArgumentException($"metric {name}: label name \"{labels[i].Name}\" is not valid");
                if (i > 0) _text.Append(',');
                _text.Append(labels[i].Name).Append("=\"");
                EscapeLabelValue(labels[i].Value);
                _text.Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(FormatValue(value)).Append('\n');
        return this;
    }

    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    public static bool IsValidName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) return false;
        foreach (char c in name) if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or ':')) return false;
        return true;
    }

    public static bool IsValidLabelName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || name.StartsWith("__", StringComparison.Ordinal)) return false;
        foreach (char c in name) if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        return true;
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\").Replace("\n", "\\n");

    private void EscapeLabelValue(string value)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\': _text.Append("\\\\"); break;
                case '"': _text.Append("\\\""); break;
                case '\n': _text.Append("\\n"); break;
                default: _text.Append(c); break;
            }
        }
    }
}
