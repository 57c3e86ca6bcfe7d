using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Evaluation;
using EdgeCam.ModelTool.Graph;
using EdgeCam.ModelTool.Inspect;
using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Quantization;
using EdgeCam.ModelTool.Release;
using Google.Protobuf;

namespace EdgeCam.Tests.ModelTool;

/// <summary>Quantisation of the real models, calibrated on dlib's training photos and judged on
/// its testing photos (disjoint sets). Small sets keep these fast; bench/model-toolchain.sh runs
/// the full evaluation recorded in docs/BENCHMARKS.md.</summary>
public class QuantizeTests
{
    public QuantizeTests() => OrtEnvironment.Initialize(TestAssets.OrtLibrary);

    internal static string ImageDir(string name, params string[] faces)
    {
        string dir = TestAssets.TempDir(name);
        foreach (string f in faces) File.CreateSymbolicLink(Path.Combine(dir, f), Path.Combine(TestAssets.FacesDir, f));
        return dir;
    }

    internal static string Calibration() => ImageDir("calib", "2007_007763.jpg", "2008_002079.jpg", "2008_001322.jpg");
    internal static string Evaluation() => ImageDir("eval", "2008_002506.jpg", "2009_004587.jpg", "2008_002470.jpg");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BlazeFaceBackInt8KeepsFloatsRecallOnDlibTestingPhotos(bool unsignedActivations)
    {
        string output = Path.Combine(TestAssets.TempDir("quant"), "back.int8.onnx");
        var lines = new List<string>();
        var summary = QuantizeRun.Run(TestAssets.BlazeFaceBack, null, Calibration(), output,
            new QuantizeOptions { UnsignedActivations = unsignedActivations }, 0, lines.Add);
        Assert.Contains(lines, l => l.Contains("calibrating") && l.Contains("input 3/3"));
        Assert.True(summary.EqualizedPairs > 0);
        Assert.True(File.Exists(Path.ChangeExtension(output, ".card.json")), "the card goes beside the quantised model");

        var inspect = ModelInspector.Inspect(output, null);
        Assert.Equal("QDQ", inspect.Quantization.Format);
        Assert.StartsWith("int8 per-channel symmetric", inspect.Quantization.Weights);
        Assert.Equal(unsignedActivations ? "uint8" : "int8", inspect.Quantization.Activations);
        Assert.True(inspect.FileBytes < 0.40 * new FileInfo(TestAssets.BlazeFaceBack).Length, $"{inspect.FileBytes} bytes");

        var report = Evaluator.Run(new EvalOptions
        {
            Candidate = output, Reference = TestAssets.BlazeFaceBack, ImagesDir = Evaluation(),
            Annotations = Path.Combine(TestAssets.FacesDir, "testing.xml"), LatencyRuns = 1,
        }, _ => { });
        Assert.Equal(11, report.ReferenceVsTruth!.TruePositives + report.ReferenceVsTruth.FalseNegatives); // 3 + 2 + 6 faces
        Assert.True(report.CandidateVsTruth!.Recall >= report.ReferenceVsTruth.Recall - 0.02,
            $"int8 recall {report.CandidateVsTruth.Recall:0.000} vs float {report.ReferenceVsTruth.Recall:0.000}");
        Assert.True(report.CandidateVsReference!.Recall >= 0.9, $"found {report.CandidateVsReference.Recall:0.000} of the float model's boxes");
    }

    [Fact]
    public void PercentileRangesLieInsideMinMaxRangesAndClipSomeOutliers()
    {
        var model = OnnxFile.Load(TestAssets.BlazeFaceFront);
        using var feeder = new ImageFeeder(ModelToolAssets.Card("blazeface-front"));
        var samples = feeder.Samples(ImageFeeder.ImagesIn(Calibration(), "--calibration"), 0);
        var tensors = model.Graph.Node.Where(n => n.OpType == "Conv").Select(n => n.Output[0]).ToList();
        var minmax = Calibrator.Collect(model, tensors, feeder, samples, CalibrationMethod.MinMax, 0, "front", _ => { });
        var pct = Calibrator.Collect(model, tensors, feeder, samples, CalibrationMethod.Percentile, 99.99, "front", _ => { });
        Assert.Equal(tensors.Count, minmax.Count);
        int narrower = 0;
        foreach (string t in tensors)
        {
            Assert.True(minmax[t].Min < minmax[t].Max, t);
            float width = (minmax[t].Max - minmax[t].Min) / 2048;
            Assert.InRange(pct[t].Min, minmax[t].Min, minmax[t].Max + width);
            Assert.InRange(pct[t].Max, minmax[t].Min, minmax[t].Max + width);
            if (pct[t].Max - pct[t].Min < 0.95 * (minmax[t].Max - minmax[t].Min)) narrower++;
        }
        Assert.True(narrower > 0, "a 99.99th percentile clips outliers somewhere");
    }

    [Fact]
    public void BatchNormFoldingAndEqualisationKeepTheFloatFunction()
    {
        // The OCR classifier has 35 BatchNorms after Convs; BlazeFace back has Conv -> Conv and
        // Conv -> ReLU -> Conv chains to equalise. Both rewrites must not change the outputs.
        var cls = OnnxFile.Load(TestAssets.OcrClassifier);
        GraphPreparation.Prepare(cls);
        Assert.DoesNotContain(cls.Graph.Node, n => n.OpType == "BatchNormalization");
        AssertSameOutputs("ppocr-cls", cls.ToByteArray(), 1e-4f);

        var back = OnnxFile.Load(TestAssets.BlazeFaceBack);
        var pairs = ChannelEqualization.FindPairs(back.Graph);
        Assert.True(pairs.Count >= 30, $"{pairs.Count} pairs");
        using var feeder = new ImageFeeder(ModelToolAssets.Card("blazeface-back"));
        var stats = ChannelStatistics.MaxAbs(back, pairs.Select(p => p.Tensor).ToList(), feeder,
            feeder.Samples(ImageFeeder.ImagesIn(Calibration(), "--calibration"), 0), "back");
        Assert.Equal(pairs.Count, ChannelEqualization.Apply(back.Graph, pairs, stats));
        AssertSameOutputs("blazeface-back", back.ToByteArray(), 2e-3f);
    }

    private static void AssertSameOutputs(string name, byte[] rewritten, float relativeTolerance)
    {
        var expected = ModelToolAssets.Run(File.ReadAllBytes(ModelToolAssets.Model(name)), ModelToolAssets.Card(name), TestAssets.GraceHopper);
        var actual = ModelToolAssets.Run(rewritten, ModelToolAssets.Card(name), TestAssets.GraceHopper);
        for (int o = 0; o < expected.Length; o++)
        {
            float scale = expected[o].Max(MathF.Abs);
            for (int i = 0; i < expected[o].Length; i++)
                Assert.True(MathF.Abs(expected[o][i] - actual[o][i]) <= relativeTolerance * scale,
                    $"{name} output {o}[{i}]: {actual[o][i]} vs {expected[o][i]} (scale {scale})");
        }
    }

    [Fact]
    public void BadInputsAreRefusedWithOneLineNamingWhatAndWhere()
    {
        string dir = TestAssets.TempDir("bad");
        string output = Path.Combine(dir, "out.onnx");
        var options = new QuantizeOptions();
        string empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        var e1 = Assert.Throws<ToolException>(() => QuantizeRun.Run(TestAssets.BlazeFaceFront, null, empty, output, options, 0, _ => { }));
        Assert.Equal($"--calibration {empty}: no images (.jpg, .png, .ppm) in the directory", e1.Message);

        string broken = Directory.CreateDirectory(Path.Combine(dir, "broken")).FullName;
        File.WriteAllBytes(Path.Combine(broken, "cut.jpg"), File.ReadAllBytes(TestAssets.GraceHopper).AsSpan(0, 100).ToArray());
        var e2 = Assert.Throws<ToolException>(() => QuantizeRun.Run(TestAssets.BlazeFaceFront, null, broken, output, options, 0, _ => { }));
        Assert.StartsWith($"{Path.Combine(broken, "cut.jpg")}: does not decode as an image", e2.Message);

        var e3 = Assert.Throws<ToolException>(() => QuantizeRun.Run(TestAssets.BlazeFaceFront, null, Calibration(), output,
            new QuantizeOptions { KeepFloat = new HashSet<string> { "NoSuchLayer" } }, 0, _ => { }));
        Assert.Contains("--keep-float NoSuchLayer: no node", e3.Message);

        string notOnnx = Path.Combine(dir, "model.onnx");
        File.WriteAllText(notOnnx, "hello");
        var e4 = Assert.Throws<ToolException>(() => QuantizeRun.Run(notOnnx, null, Calibration(), output, options, 0, _ => { }));
        Assert.StartsWith($"{notOnnx}: not an ONNX model", e4.Message);
        Assert.False(File.Exists(output), "nothing is written when the input is refused");
    }
}
