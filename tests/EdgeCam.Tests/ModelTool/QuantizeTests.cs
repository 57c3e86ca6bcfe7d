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
        // Precision too: the score heads read float values (8-bit rounding of their input had
        // turned hundreds of background anchors positive: precision 0.26 against float's 0.96).
        Assert.True(report.CandidateVsTruth.Precision >= report.ReferenceVsTruth.Precision - 0.1, // one extra box of 12
            $"int8 precision {report.CandidateVsTruth.Precision:0.000} vs float {report.ReferenceVsTruth.Precision:0.000}");
        Assert.True(report.CandidateVsReference.Precision >= 0.9, $"{report.CandidateVsReference.Precision:0.000} of int8's boxes match the float model's");
        var quantised = OnnxFile.Load(output);
        var heads = quantised.Graph.Node.Where(n => n.OpType == "Conv" && quantised.Graph.Node.Any(t => t.OpType == "Transpose" && t.Input[0] == n.Output[0])).ToList();
        Assert.Equal(4, heads.Count); // scores and boxes at 16x16 and 8x8
        // The 8x8 heads' input is read by nothing else: float. The 16x16 heads share theirs with
        // the next block's integer convolution: quantised.
        var headOnly = heads.Select(h => h.Input[0]).Distinct().Where(x => quantised.Graph.Node.Where(n => n.Input.Contains(x)).All(heads.Contains)).ToList();
        Assert.Single(headOnly);
        Assert.NotEqual("DequantizeLinear", quantised.Graph.Node.First(p => p.Output.Contains(headOnly[0])).OpType);
        Assert.All(heads, h => Assert.Equal("DequantizeLinear", quantised.Graph.Node.First(p => p.Output.Contains(h.Input[1])).OpType)); // weights still int8
    }

    [Fact]
    public void SlimmingChangesNoOutputAndKeepsOrtsIntegerKernels()
    {
        // The same calibration with and without the byte savings (short names, no node names,
        // no int32 bias zero points, no default attributes, shared scalar constants).
        string dir = TestAssets.TempDir("slim");
        string calibration = Calibration();
        string plain = Path.Combine(dir, "plain.onnx"), slim = Path.Combine(dir, "slim.onnx");
        QuantizeRun.Run(TestAssets.BlazeFaceFront, null, calibration, plain, new QuantizeOptions { UnsignedActivations = true, CompactNames = false, Int32Biases = true }, 0, _ => { });
        QuantizeRun.Run(TestAssets.BlazeFaceFront, null, calibration, slim, new QuantizeOptions { UnsignedActivations = true, Int32Biases = true }, 0, _ => { });
        long plainBytes = new FileInfo(plain).Length, slimBytes = new FileInfo(slim).Length;
        Assert.True(slimBytes < 0.92 * plainBytes, $"{slimBytes} vs {plainBytes} bytes");

        string card = ModelToolAssets.Card("blazeface-front");
        foreach (string image in new[] { TestAssets.GraceHopper, Path.Combine(TestAssets.FacesDir, "2008_002506.jpg") })
        {
            var a = ModelToolAssets.Run(File.ReadAllBytes(plain), card, image);
            var b = ModelToolAssets.Run(File.ReadAllBytes(slim), card, image);
            for (int o = 0; o < a.Length; o++) Assert.Equal(a[o], b[o]);
        }

        var model = OnnxFile.Load(slim);
        Assert.All(model.Graph.Node, n => Assert.Equal("", n.Name));
        var ints = model.Graph.Initializer.Where(t => t.DataType == 6).Select(t => t.Name).ToHashSet();
        Assert.All(model.Graph.Node.Where(n => n.OpType == "DequantizeLinear" && ints.Contains(n.Input[0])), n => Assert.Equal(2, n.Input.Count));
        Assert.Equal(model.Graph.Initializer.Count(t => t.Dims.Count == 0), model.Graph.Initializer.Where(t => t.Dims.Count == 0).Select(t => (t.DataType, t.RawData)).Distinct().Count());

        // What ORT makes of both: the same number of fused integer convolutions.
        int fused = FusedConvolutions(plain);
        Assert.True(fused >= 30, $"{fused} QLinearConv of 37 convolutions");
        Assert.Equal(fused, FusedConvolutions(slim));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FloatBiasesAreFusedLikeInt32Biases(bool unsignedActivations)
    {
        // The default leaves Conv biases float; ORT quantises them itself when it fuses, so the
        // integer kernels are the same and the file loses a bias scale tensor and a DQ per layer.
        string dir = TestAssets.TempDir("bias");
        string calibration = Calibration();
        string int32 = Path.Combine(dir, "int32.onnx"), floats = Path.Combine(dir, "float.onnx");
        QuantizeRun.Run(TestAssets.BlazeFaceFront, null, calibration, int32, new QuantizeOptions { UnsignedActivations = unsignedActivations, Int32Biases = true }, 0, _ => { });
        QuantizeRun.Run(TestAssets.BlazeFaceFront, null, calibration, floats, new QuantizeOptions { UnsignedActivations = unsignedActivations }, 0, _ => { });
        Assert.True(new FileInfo(floats).Length < 0.97 * new FileInfo(int32).Length, $"{new FileInfo(floats).Length} vs {new FileInfo(int32).Length} bytes");
        var model = OnnxFile.Load(floats);
        Assert.DoesNotContain(model.Graph.Initializer, t => t.DataType == 6); // no int32 tensor left
        Assert.Equal(FusedConvolutions(int32), FusedConvolutions(floats));

        // Where ORT fuses, the bias is quantised as the tool would; the unfused heads add the
        // exact float bias instead of its int32 rounding: outputs within a hair.
        string card = ModelToolAssets.Card("blazeface-front");
        var a = ModelToolAssets.Run(File.ReadAllBytes(int32), card, TestAssets.GraceHopper);
        var b = ModelToolAssets.Run(File.ReadAllBytes(floats), card, TestAssets.GraceHopper);
        for (int o = 0; o < a.Length; o++)
            for (int i = 0; i < a[o].Length; i++)
                Assert.True(Math.Abs(a[o][i] - b[o][i]) <= 0.01f, $"output {o}[{i}]: {a[o][i]} vs {b[o][i]}");
    }

    [Fact]
    public void EveryConvolutionOfTheOcrDetectorRunsAsAnIntegerKernel()
    {
        // The first Conv reads the model's input, which is calibrated from the preprocessed
        // images like any activation; paddle2onnx's bias Adds after the ConvTransposes fold into
        // them, and so do the BatchNorms behind those: nothing float is left between the heads'
        // integer layers but the ConvTransposes ORT has no integer kernel for.
        string dir = TestAssets.TempDir("det-int8");
        string output = Path.Combine(dir, "det.uint8.onnx");
        var summary = QuantizeRun.Run(TestAssets.OcrDetector, null, Calibration(), output, new QuantizeOptions { UnsignedActivations = true }, 0, _ => { });
        Assert.Equal(3, summary.FoldedBatchNorms);
        Assert.Equal(62, FusedConvolutions(output));
        var optimized = OnnxFile.Load(Path.ChangeExtension(output, ".ort-optimized.onnx"));
        Assert.DoesNotContain(optimized.Graph.Node, n => n.OpType is "Conv" or "BatchNormalization");
        Assert.Equal(2, optimized.Graph.Node.Count(n => n.OpType == "ConvTranspose"));
    }

    [Theory]
    [InlineData(CalibrationMethod.Mse)]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.MinMax)]
    public void BlazeFacesMaxPoolsStayIn8BitsWhateverTheRangeMethod(CalibrationMethod method)
    {
        // A max pool's output gets its input's range, so the Q after it equals the DQ before it
        // and ORT runs the pool on the uint8 NHWC tensor. With ranges of their own (mse or
        // percentile picked from each value's histogram) ORT ran the three pools in float NCHW,
        // with a Transpose on either side of each: BlazeFace front's int8 model was 1.3x slower.
        string output = Path.Combine(TestAssets.TempDir("front-pools"), "front.uint8.onnx");
        QuantizeRun.Run(TestAssets.BlazeFaceFront, null, Calibration(), output,
            new QuantizeOptions { Method = method, Percentile = 99.99, UnsignedActivations = true }, 0, _ => { });
        Assert.Equal(33, FusedConvolutions(output));
        var ops = OnnxFile.Load(Path.ChangeExtension(output, ".ort-optimized.onnx")).Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(3, ops.Count(o => o == "NhwcMaxPool"));
        Assert.DoesNotContain("MaxPool", ops);
        var model = OnnxFile.Load(output);
        var index = new GraphIndex(model.Graph);
        foreach (var pool in model.Graph.Node.Where(n => n.OpType == "MaxPool"))
        {
            var dq = index.Producer(pool.Input[0])!;
            var q = index.Consumers(pool.Output[0]).Single();
            Assert.Equal(("DequantizeLinear", "QuantizeLinear"), (dq.OpType, q.OpType));
            Assert.Equal(dq.Input[1], q.Input[1]); // one shared scale initializer
            Assert.Equal(dq.Input[2], q.Input[2]); // and zero point
        }
    }

    [Fact]
    public void AMaxPoolOrtWouldRunAsAnNchw8BitPoolKeepsItsOwnRangeAndRunsInFloat()
    {
        // The OCR classifier's last max pool comes after ORT has transposed back to NCHW. With the
        // input's range shared, ORT ran it as its generic 8-bit MaxPool, 5x slower than float's;
        // the quantiser asks ORT (RuntimeLayoutProbe) and gives that pool its own range back.
        string output = Path.Combine(TestAssets.TempDir("cls-pool"), "cls.uint8.onnx");
        var summary = QuantizeRun.Run(TestAssets.OcrClassifier, null, TextLineTests.PageDir("calib", "page.png"), output,
            new QuantizeOptions { UnsignedActivations = true, CompactNames = false }, 0, _ => { }, textLines: true);
        Assert.Equal(1, summary.UnsharedPools);
        var model = OnnxFile.Load(output);
        Assert.Empty(RuntimeLayoutProbe.EightBitNchwMaxPools(model, output));
        Assert.True(FusedConvolutions(output) > 0);
        var optimized = OnnxFile.Load(Path.ChangeExtension(output, ".ort-optimized.onnx"));
        var pool = optimized.Graph.Node.Single(n => n.OpType == "MaxPool");
        Assert.Equal("DequantizeLinear", optimized.Graph.Node.Single(n => n.Output.Contains(pool.Input[0])).OpType);

        // The probe itself: with the pool's Q given its DQ's parameters again (the shared range),
        // ORT drops both and runs the pool on 8-bit values, and the probe names it.
        var index = new GraphIndex(model.Graph);
        var modelPool = model.Graph.Node.Single(n => n.OpType == "MaxPool");
        var dq = index.Producer(modelPool.Input[0])!;
        var q = index.Consumers(modelPool.Output[0]).Single();
        q.Input[1] = dq.Input[1];
        q.Input[2] = dq.Input[2];
        Assert.Equal([q.Output[0]], RuntimeLayoutProbe.EightBitNchwMaxPools(model, output));
    }

    [Fact]
    public void FoldingBiasAddsAndBatchNormsKeepsTheOcrDetectorsOutputs()
    {
        var model = OnnxFile.Load(TestAssets.OcrDetector);
        var folded = model.Clone();
        GraphPreparation.ConstantsToInitializers(folded.Graph);
        Assert.Equal(2, GraphPreparation.FoldBiasAdds(folded.Graph)); // the two ConvTransposes' biases
        Assert.Equal(3, GraphPreparation.FoldBatchNorms(folded.Graph));
        Assert.Equal(model.Graph.Node.Count(n => n.OpType != "Constant") - 5, folded.Graph.Node.Count);
        string card = ModelToolAssets.Card("ppocr-det");
        var a = ModelToolAssets.Run(model.ToByteArray(), card, TestAssets.GraceHopper);
        var b = ModelToolAssets.Run(folded.ToByteArray(), card, TestAssets.GraceHopper);
        for (int i = 0; i < a[0].Length; i++) Assert.True(Math.Abs(a[0][i] - b[0][i]) <= 1e-4f, $"map[{i}]: {a[0][i]} vs {b[0][i]}");
    }

    [Fact]
    public void FoldingTheOcrDetectorsConstantAffinesIntoItsConvsKeepsItsOutputs()
    {
        // PP-LCNetV3 follows each Conv and each h-swish with a learnable scalar Mul and Add, and
        // writes h-swish's /6 as a Div: after folding, those are in the weights and biases.
        var model = OnnxFile.Load(TestAssets.OcrDetector);
        var folded = model.Clone();
        GraphPreparation.Prepare(folded);
        var before = model.Graph.Node.Where(n => n.OpType != "Constant").GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        var after = folded.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(0, after.GetValueOrDefault("Div"));
        Assert.True(after["Mul"] <= before["Mul"] - 45, $"Mul {before["Mul"]} -> {after["Mul"]}");
        Assert.True(after["Add"] <= before["Add"] - 40, $"Add {before["Add"]} -> {after["Add"]}");
        Assert.Equal(before["Conv"], after["Conv"]);
        string card = ModelToolAssets.Card("ppocr-det");
        foreach (string photo in new[] { TestAssets.TextPhoto("text_motion.jpg"), TestAssets.GraceHopper })
        {
            var a = ModelToolAssets.Run(model.ToByteArray(), card, photo);
            var b = ModelToolAssets.Run(folded.ToByteArray(), card, photo);
            float worst = 0;
            for (int i = 0; i < a[0].Length; i++) worst = Math.Max(worst, Math.Abs(a[0][i] - b[0][i]));
            Assert.True(worst <= 1e-4f, $"{Path.GetFileName(photo)}: probabilities differ by up to {worst}");
        }
    }

    private static int FusedConvolutions(string path)
    {
        string optimized = Path.ChangeExtension(path, ".ort-optimized.onnx");
        using (OrtSession.FromFile(path, new SessionOptions { IntraOpThreads = 1, OptimizedModelPath = optimized })) { }
        return OnnxFile.Load(optimized).Graph.Node.Count(n => n.OpType == "QLinearConv");
    }

    [Fact]
    public void WithTheDefaultMseRangesTheInt8OcrDetectorFindsFloatsTextRegionsBetterThanWithMinMax()
    {
        // Calibrated on two scanned pages, a photo of a sign, a sudoku and Darknet's photos (the
        // bench's set); judged on three photos of text (9 regions in float's map). MinMax ranges
        // are stretched by rare outliers, and the 8-bit map loses float's regions (here all of
        // those that reach DB's box threshold); the default (Mse) keeps most of them (6 of 9).
        string calib = EvalTests.TextPhotoDir("text.png", "sudoku.png");
        foreach (string page in new[] { "page.png", "bw_text.png" }) File.CreateSymbolicLink(Path.Combine(calib, page), TestAssets.TextPage(page));
        foreach (string photo in Directory.GetFiles(TestAssets.DarknetDir, "*.jpg")) File.CreateSymbolicLink(Path.Combine(calib, Path.GetFileName(photo)), photo);
        string eval = EvalTests.TextPhotoDir("text_defocus.jpg", "text_motion.jpg", "licenseplate_motion.jpg");
        Assert.Equal(CalibrationMethod.Mse, new QuantizeOptions().Method);
        EvalReport Quantized(CalibrationMethod method)
        {
            string output = Path.Combine(TestAssets.TempDir("quant"), $"det.{method}.onnx");
            QuantizeRun.Run(TestAssets.OcrDetector, ModelToolAssets.Card("ppocr-det"), calib, output,
                new QuantizeOptions { Method = method, UnsignedActivations = true }, 0, _ => { });
            return Evaluator.Run(new EvalOptions { Candidate = output, Reference = TestAssets.OcrDetector, ImagesDir = eval, LatencyRuns = 1 }, _ => { });
        }
        var mse = Quantized(CalibrationMethod.Mse);
        var minmax = Quantized(CalibrationMethod.MinMax);
        var (m, n) = (mse.CandidateVsReference!, minmax.CandidateVsReference!);
        Assert.True(m.TruePositives + m.FalseNegatives >= 8, $"{m.TruePositives + m.FalseNegatives} float text regions");
        Assert.True(m.Recall >= n.Recall + 0.3 && m.Recall >= 0.6, $"float's text regions found: mse {m.Recall:0.000}, minmax {n.Recall:0.000}");
        Assert.True(mse.MapIoU > minmax.MapIoU, $"map IoU: mse {mse.MapIoU:0.000}, minmax {minmax.MapIoU:0.000}");
    }

    [Fact]
    public void MseRangesQuantiseTheRealActivationsWithLessErrorThanMinMax()
    {
        var model = OnnxFile.Load(TestAssets.BlazeFaceBack);
        using var feeder = new ImageFeeder(ModelToolAssets.Card("blazeface-back"));
        var samples = feeder.Samples(ImageFeeder.ImagesIn(Calibration(), "--calibration"), 0);
        var tensors = model.Graph.Node.Where(n => n.OpType == "Conv").Select(n => n.Output[0]).ToList();
        var minmax = Calibrator.Collect(model, tensors, feeder, samples, CalibrationMethod.MinMax, 0, "back", _ => { });
        var mse = Calibrator.Collect(model, tensors, feeder, samples, CalibrationMethod.Mse, 0, "back", _ => { });
        Assert.Equal(tensors.Count, mse.Count);

        // The squared 8-bit error of each range on the very values it was chosen for.
        using var probe = new ActivationProbe(model, tensors, new Dictionary<string, long[]> { [model.Graph.Input[0].Name] = feeder.InputShape }, "back");
        var errMinMax = new double[tensors.Count];
        var errMse = new double[tensors.Count];
        foreach (var sample in samples)
        {
            feeder.Fill(sample, probe.Runner.Input(0).Bytes);
            probe.Runner.Run();
            for (int t = 0; t < tensors.Count; t++)
            {
                var values = probe.Floats(tensors[t]);
                errMinMax[t] += SquaredError(values, minmax[tensors[t]]);
                errMse[t] += SquaredError(values, mse[tensors[t]]);
            }
        }
        int better = 0;
        for (int t = 0; t < tensors.Count; t++)
        {
            Assert.InRange(mse[tensors[t]].Min, Math.Min(minmax[tensors[t]].Min, 0), 0);
            Assert.True(errMse[t] <= errMinMax[t] * 1.1, // the search works on a histogram estimate
                $"{tensors[t]}: mse {errMse[t]:g3} vs minmax {errMinMax[t]:g3}");
            if (errMse[t] < 0.8 * errMinMax[t]) better++;
        }
        Assert.True(better > tensors.Count / 8, $"{better} of {tensors.Count} tensors quantised with at least 20% less error");
    }

    private static double SquaredError(ReadOnlySpan<float> values, ValueRange range)
    {
        var p = QuantParams.Asymmetric(range, unsigned: true);
        double sum = 0;
        foreach (float v in values)
        {
            double d = v - (p.Quantize(v, 0, 255) - p.ZeroPoint) * p.Scale;
            sum += d * d;
        }
        return sum;
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
