using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeCam.ModelTool.Release;

namespace EdgeCam.ModelTool.Evaluation;

/// <summary>
/// Where a model's time goes, from the trace ORT writes with profiling on: each kernel's time
/// ("Node" events named NODE_kernel_time, in microseconds) summed by operator type and divided by
/// the session's runs ("model_run" events), so two models can be compared operator by operator
/// (fused integer kernels against the float ones, per-operator overhead of small layers...).
/// </summary>
public static class OrtProfile
{
    public sealed record OperatorTime(string Operator, int Nodes, double MillisecondsPerRun);

    /// <summary>The operator times of one trace file, slowest first.</summary>
    public static (int Runs, List<OperatorTime> Operators) Read(string traceFile)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(traceFile));
        int runs = 0;
        var micros = new Dictionary<string, double>();
        var nodes = new Dictionary<string, HashSet<string>>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            string cat = e.TryGetProperty("cat", out var c) ? c.GetString() ?? "" : "";
            string name = e.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
            if (cat == "Session" && name == "model_run") runs++;
            if (cat != "Node" || !name.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            string op = e.TryGetProperty("args", out var args) && args.TryGetProperty("op_name", out var o) ? o.GetString() ?? "?" : "?";
            micros[op] = micros.GetValueOrDefault(op) + (e.TryGetProperty("dur", out var d) ? d.GetDouble() : 0);
            if (!nodes.TryGetValue(op, out var set)) nodes[op] = set = [];
            set.Add(name);
        }
        if (runs == 0) throw new ToolException($"{traceFile}: no model runs recorded");
        return (runs, micros.Select(m => new OperatorTime(m.Key, nodes[m.Key].Count, m.Value / runs / 1000)).OrderByDescending(t => t.MillisecondsPerRun).ToList());
    }

    /// <summary>The newest trace ORT wrote for a session given this prefix.</summary>
    public static string Latest(string prefix)
    {
        string dir = Path.GetDirectoryName(prefix) is { Length: > 0 } d ? d : ".";
        return new DirectoryInfo(dir).GetFiles(Path.GetFileName(prefix) + "_*.json").OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()?.FullName
            ?? throw new ToolException($"--profile {prefix}: ORT wrote no trace ({prefix}_*.json)");
    }

    /// <summary>A table of both models' operator times per run, from the traces of an eval with --profile.</summary>
    public static string Compare(string prefix)
    {
        var (refRuns, reference) = Read(Latest(prefix + ".reference"));
        var (candRuns, candidate) = Read(Latest(prefix + ".candidate"));
        var ci = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(ci, $"time per run by operator (ORT profile; reference {refRuns} runs, candidate {candRuns} runs):");
        s.AppendLine("| operator | reference nodes | reference ms | candidate nodes | candidate ms |");
        s.AppendLine("|---|---|---|---|---|");
        foreach (string op in reference.Concat(candidate).OrderByDescending(t => t.MillisecondsPerRun).Select(t => t.Operator).Distinct())
        {
            var r = reference.FirstOrDefault(t => t.Operator == op);
            var c = candidate.FirstOrDefault(t => t.Operator == op);
            s.AppendLine(ci, $"| {op} | {r?.Nodes ?? 0} | {r?.MillisecondsPerRun ?? 0:0.000} | {c?.Nodes ?? 0} | {c?.MillisecondsPerRun ?? 0:0.000} |");
        }
        s.AppendLine(ci, $"| all | {reference.Sum(t => t.Nodes)} | {reference.Sum(t => t.MillisecondsPerRun):0.000} | {candidate.Sum(t => t.Nodes)} | {candidate.Sum(t => t.MillisecondsPerRun):0.000} |");
        return s.ToString();
    }
}
