using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeCam.ModelTool.Cli;

namespace EdgeCam.ModelTool.Inspect;

/// <summary>Formats an <see cref="InspectReport"/> for people (text) or programs (JSON).</summary>
public static class InspectPrinter
{
    public static string ToJson(InspectReport report) => JsonSerializer.Serialize(report, ReportJson.Default.InspectReport);

    public static string ToText(InspectReport r)
    {
        var s = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        s.AppendLine(ci, $"{r.Path}: {r.FileBytes:N0} bytes, IR version {r.IrVersion}, producer {r.Producer}");
        s.AppendLine(ci, $"opsets: {string.Join(", ", r.Opsets.Select(o => $"{o.Key} {o.Value}"))}");
        foreach (var i in r.Inputs) s.AppendLine(ci, $"input  {i.Name}: {i.ElementType} {i.Shape}");
        foreach (var o in r.Outputs) s.AppendLine(ci, $"output {o.Name}: {o.ElementType} {o.Shape}");
        s.AppendLine(ci, $"parameters: {r.Parameters:N0} ({r.ParameterBytes:N0} bytes); weight sparsity {r.WeightSparsity:P2}");
        var q = r.Quantization;
        string how = q.Format == "float" ? "" : string.Create(ci,
            $" (QuantizeLinear {q.QuantizeLinearNodes}, DequantizeLinear {q.DequantizeLinearNodes}, integer ops {q.IntegerOperatorNodes}; " +
            $"weights {q.Weights ?? "-"}; activations {q.Activations ?? "-"})");
        s.AppendLine("quantisation: " + q.Format + how);
        s.AppendLine("operators:");
        foreach (var (op, count) in r.Operators) s.AppendLine(ci, $"  {op,-28} {count,5}");
        s.AppendLine(r.MeasuredWithInput is null
            ? "layers (shapes not measured: the input has symbolic dimensions; give --input-shape):"
            : $"layers (measured with input {ModelInspector.Shape(r.MeasuredWithInput)}):");
        s.AppendLine(ci, $"  {"name",-40} {"op",-13} {"weight",-18} {"output",-20} {"MACs",15} {"zeros",7}");
        foreach (var l in r.Layers)
            s.AppendLine(ci, $"  {Clip(l.Name, 40),-40} {l.Op,-13} {l.WeightShape,-18} {l.OutputShape ?? "?",-20} {(l.Macs is { } m ? m.ToString("N0", ci) : "?"),15} {l.WeightSparsity,7:P1}");
        s.AppendLine(r.TotalMacs is { } t ? $"total MACs: {t:N0} ({t / 1e6:0.0} M)" : "total MACs: not measured");
        return s.ToString();
    }

    private static string Clip(string s, int n) => s.Length <= n ? s : "…" + s[^(n - 1)..];
}
