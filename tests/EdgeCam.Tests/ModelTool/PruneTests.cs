using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Evaluation;
using EdgeCam.ModelTool.Inspect;
using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Pruning;
using EdgeCam.ModelTool.Release;

namespace EdgeCam.Tests.ModelTool;

public class PruneTests
{
    public PruneTests() => OrtEnvironment.Initialize(TestAssets.OrtLibrary);

    [Fact]
    public void TheOcrClassifierLosesChannelsAndMacsButKeepsItsDecisions()
    {
        string output = Path.Combine(TestAssets.TempDir("prune"), "cls.pruned.onnx");
        var lines = new List<string>();
        var summary = PruneRun.Run(TestAssets.OcrClassifier, null, QuantizeTests.Calibration(), output,
            new PruneOptions { Ratio = 0.3, MaxLayerError = 0.05 }, lines.Add);
        Assert.True(summary.Pruned > 0 && summary.ChannelsRemoved > 0, $"{summary.Pruned} groups, {summary.ChannelsRemoved} channels");
        Assert.Contains(lines, l => l.StartsWith("sensitivity 1/", StringComparison.Ordinal));
        Assert.All(summary.Scan.Where(s => s.Chosen), s => Assert.True(s.Error <= 0.05, $"{s.Layer}: {s.Error}"));

        // The layers really shrank: fewer parameters and MACs at the card's input size.
        var before = ModelInspector.Inspect(TestAssets.OcrClassifier, [1, 3, 48, 192]);
        var after = ModelInspector.Inspect(output, [1, 3, 48, 192]);
        Assert.True(after.Parameters < before.Parameters, $"{after.Parameters} vs {before.Parameters}");
        Assert.True(after.TotalMacs < before.TotalMacs, $"{after.TotalMacs} vs {before.TotalMacs}");

        // Decisions on crops of photos it never saw while pruning stay mostly the float model's.
        var report = Evaluator.Run(new EvalOptions
        {
            Candidate = output, Reference = TestAssets.OcrClassifier, ImagesDir = QuantizeTests.Evaluation(), CropRows = 8, LatencyRuns = 1,
        }, _ => { });
        Assert.True(report.Inputs > 20);
        Assert.True(report.Top1Agreement >= 0.85, $"top-1 agreement {report.Top1Agreement:0.000} on {report.Inputs} inputs");
    }

    [Fact]
    public void ResidualOnlyModelsAreRefusedWithTheReason()
    {
        string output = Path.Combine(TestAssets.TempDir("prune"), "front.pruned.onnx");
        var e = Assert.Throws<ToolException>(() => PruneRun.Run(TestAssets.BlazeFaceFront, null, QuantizeTests.Calibration(), output,
            new PruneOptions { Ratio = 0.3 }, _ => { }));
        Assert.Contains("no Conv layer whose output channels can be removed", e.Message);
        Assert.False(File.Exists(output));
        var ratio = Assert.Throws<ToolException>(() => PruneRun.Run(TestAssets.OcrClassifier, null, QuantizeTests.Calibration(), output,
            new PruneOptions { Ratio = 1.5 }, _ => { }));
        Assert.StartsWith("--ratio 1.5:", ratio.Message);
    }

    [Fact]
    public void LeastSquaresRecoversAKnownLinearMap()
    {
        var random = new Random(7);
        int n = 400, k = 12, m = 5;
        var w = new double[k * m];
        for (int i = 0; i < w.Length; i++) w[i] = random.NextDouble() * 2 - 1;
        var x = new double[n * k];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextDouble() * 4 - 2;
        var y = new double[n * m];
        for (int r = 0; r < n; r++)
            for (int j = 0; j < m; j++)
                for (int i = 0; i < k; i++) y[r * m + j] += x[r * k + i] * w[i * m + j];
        var solved = LeastSquares.Solve(x, y, n, k, m, 1e-9);
        for (int i = 0; i < w.Length; i++) Assert.Equal(w[i], solved[i], 6);
    }
}
