using System.Globalization;
using System.Text;

namespace EdgeCam.ModelTool.Evaluation;

/// <summary>The eval table for people.</summary>
public static class EvalPrinter
{
    public static string ToText(EvalReport r)
    {
        var ci = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(ci, $"{r.Kind}: {r.Candidate} against {r.Reference}, {r.Inputs} inputs from {r.Images} images");
        s.AppendLine(ci, $"| {"figure",-34} | {"reference",16} | {"candidate",16} |");
        s.AppendLine(ci, $"|{new string('-', 36)}|{new string('-', 18)}|{new string('-', 18)}|");
        Row(s, "file bytes", r.ReferenceBytes.ToString("N0", ci), $"{r.CandidateBytes.ToString("N0", ci)} ({r.SizeRatio:P1})");
        Row(s, $"latency median ms ({r.Threads} threads, n={r.LatencyRuns})", r.ReferenceMedianMs.ToString("0.000", ci), $"{r.CandidateMedianMs.ToString("0.000", ci)} ({r.Speedup.ToString("0.00", ci)}x)");
        if (r.ReferenceVsTruth is { } rt && r.CandidateVsTruth is { } ct)
        {
            Row(s, "precision vs ground truth (IoU 0.5)", rt.Precision.ToString("0.000", ci), ct.Precision.ToString("0.000", ci));
            Row(s, "recall vs ground truth (IoU 0.5)", rt.Recall.ToString("0.000", ci), ct.Recall.ToString("0.000", ci));
            Row(s, "TP / FP / FN", $"{rt.TruePositives}/{rt.FalsePositives}/{rt.FalseNegatives}", $"{ct.TruePositives}/{ct.FalsePositives}/{ct.FalseNegatives}");
        }
        if (r.CandidateVsReference is { } cr)
        {
            Row(s, "reference boxes found (IoU 0.5)", "1.000", $"{cr.Recall.ToString("0.000", ci)} ({cr.TruePositives}/{cr.TruePositives + cr.FalseNegatives})");
            Row(s, "boxes matching the reference's", "1.000", cr.Precision.ToString("0.000", ci));
        }
        if (r.Top1Agreement is { } a) Row(s, "top-1 agreement with reference", "1.000", a.ToString("0.000", ci));
        if (r.Top1AgreementConfident is { } ac) Row(s, $"  where reference p >= 0.9 (n={r.ConfidentInputs})", "1.000", ac.ToString("0.000", ci));
        if (r.ReferenceAccuracy is { } ra && r.CandidateAccuracy is { } ca) Row(s, "top-1 accuracy (known orientation)", ra.ToString("0.000", ci), ca.ToString("0.000", ci));
        if (r.MapIoU is { } m) Row(s, "map IoU with reference (p > 0.3)", "1.000", m.ToString("0.000", ci));
        foreach (var e in r.Outputs)
            Row(s, $"output {Clip(e.Name, 27)} |Δ|", "-", $"mean {e.MeanAbs.ToString("0.####", ci)} max {e.MaxAbs.ToString("0.###", ci)} rel {e.RelativeRms.ToString("0.###", ci)}");
        return s.ToString();
    }

    private static void Row(StringBuilder s, string figure, string reference, string candidate) =>
        s.AppendLine(CultureInfo.InvariantCulture, $"| {figure,-34} | {reference,16} | {candidate,16} |");

    private static string Clip(string s, int n) => s.Length <= n ? s : "…" + s[^(n - 1)..];
}
