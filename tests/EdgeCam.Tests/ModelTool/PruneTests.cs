using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Evaluation;
using EdgeCam.ModelTool.Inspect;
using EdgeCam.ModelTool.Graph;
using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Pruning;
using EdgeCam.ModelTool.Quantization;
using Google.Protobuf;
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
            new PruneOptions { Ratio = 0.3, MaxLayerError = 0.05, CropRows = 8 }, lines.Add); // calibrated on crops like those it is judged on
        Assert.True(summary.Pruned > 0 && summary.ChannelsRemoved > 0, $"{summary.Pruned} groups, {summary.ChannelsRemoved} channels");
        Assert.Contains(lines, l => l.StartsWith("sensitivity 1/", StringComparison.Ordinal));
        Assert.All(summary.Scan.Where(s => s.Chosen), s => Assert.True(s.Error <= 0.05, $"{s.Layer}: {s.Error}"));

        // The layers really shrank: fewer parameters and MACs at the card's input size.
        AssertShrank(TestAssets.OcrClassifier, output, [1, 3, 48, 192]);

        // Decisions on crops of photos it never saw while pruning stay mostly the float model's.
        var report = Evaluator.Run(new EvalOptions
        {
            Candidate = output, Reference = TestAssets.OcrClassifier, ImagesDir = QuantizeTests.Evaluation(), CropRows = 8, LatencyRuns = 1,
        }, _ => { });
        Assert.True(report.Inputs > 20);
        Assert.True(report.Top1Agreement >= 0.85, $"top-1 agreement {report.Top1Agreement:0.000} on {report.Inputs} inputs");
    }

    [Fact]
    public void BlazeFaceFrontsResidualStreamIsOneTiedGroupAcrossItsPads()
    {
        var model = OnnxFile.Load(TestAssets.BlazeFaceFront);
        GraphPreparation.Prepare(model);
        var group = Assert.Single(ChannelGroup.Find(model.Graph));
        // 24 channels from the first Conv, grown by 11 zero pads to 96; 16 BlazeBlocks; 16 pointwise + 4 head sinks.
        Assert.Equal(96, group.Channels);
        Assert.Equal(11, group.Pads.Count);
        Assert.Equal(16, group.Depthwise.Count);
        Assert.Equal(20, group.Sinks.Count);
        Assert.Equal(12, group.Segments.Count);
        Assert.Equal(24, group.Segments[0].Ids.Length);
        Assert.Equal(group.Channels, group.Segments.Sum(s => s.Ids.Length));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RemovingTiedChannelsThatCrossPadsIsExactWhenTheChannelsAreZero(bool back)
    {
        string path = back ? TestAssets.BlazeFaceBack : TestAssets.BlazeFaceFront;
        // Channels whose every producer writes zeros are zero in every tensor of the stream, so
        // removing them everywhere (sources, depthwise Convs, sinks, pads) must not change the
        // outputs at all: any channel removed inconsistently anywhere along the stream would.
        var zeroed = OnnxFile.Load(path);
        GraphPreparation.Prepare(zeroed);
        var group = ChannelGroup.Find(zeroed.Graph)[0];
        // Two channels from the first Conv (they cross every pad), and one born at each pad.
        var removed = group.Segments.Select(s => s.Ids[^1]).Append(group.Segments[0].Ids[5]).ToHashSet();
        ZeroOutputChannels(zeroed, group, group.Sources.Concat(group.Depthwise), removed);
        var pruned = zeroed.Clone();
        var kept = ChannelPruner.Prune(pruned.Graph, ChannelGroup.Find(pruned.Graph)[0], removed);

        var prunedIndex = new GraphIndex(pruned.Graph);
        var firstPad = prunedIndex.Producer(group.Pads.OrderBy(p => zeroed.Graph.Node.IndexOf(p)).First().Output[0])!;
        long padded = ChannelGroup.PaddedChannels(firstPad, new GraphIndex(zeroed.Graph))!.Value;
        Assert.Equal(padded - 1, ChannelGroup.PaddedChannels(firstPad, prunedIndex)); // one of its zeros removed
        int widest = group.Ids.Values.Max(v => v.Length);
        Assert.Equal(widest - removed.Count, group.Sinks.Max(s => kept[s.Input[0]].Length));
        if (!back) Assert.Equal(88 - 12, kept[group.Sinks[^1].Input[0]].Length); // the heads reading the 88-channel stage lack the last pad's channel

        var before = Run(zeroed, path);
        var after = Run(pruned, path);
        for (int s = 0; s < before.Count; s++)
            for (int o = 0; o < before[s].Length; o++)
            {
                double scale = before[s][o].Max(Math.Abs);
                for (int i = 0; i < before[s][o].Length; i++)
                    Assert.True(Math.Abs(before[s][o][i] - after[s][o][i]) <= 1e-4 * scale + 1e-5, $"image {s} output {o}[{i}]: {before[s][o][i]} vs {after[s][o][i]}");
            }
    }

    [Fact]
    public void BlazeFaceFrontIsPrunedThroughItsResidualStreamAndStaysCloseToTheOriginal()
    {
        string output = Path.Combine(TestAssets.TempDir("prune"), "front.pruned.onnx");
        var lines = new List<string>();
        var summary = PruneRun.Run(TestAssets.BlazeFaceFront, null, QuantizeTests.Calibration(), output,
            new PruneOptions { Ratio = 0.1, MaxLayerError = 0.05, ResidualStreams = true }, lines.Add);
        Assert.Equal(12, summary.Groups); // segments of the one tied stream
        Assert.True(summary.Pruned > 0 && summary.ChannelsRemoved > 0, $"{summary.Pruned} segments, {summary.ChannelsRemoved} channels");
        Assert.All(summary.Scan.Where(s => s.Chosen), s => Assert.True(s.Error <= 0.05, $"{s.Layer}: {s.Error}"));

        AssertShrank(TestAssets.BlazeFaceFront, output, [1, 128, 128, 3]);

        // ORT runs it on photos it never saw while pruning; the outputs stay near the original's.
        var report = Evaluator.Run(new EvalOptions
        {
            Candidate = output, Reference = TestAssets.BlazeFaceFront, ImagesDir = QuantizeTests.Evaluation(), LatencyRuns = 1,
        }, _ => { });
        Assert.All(report.Outputs, o => Assert.True(o.RelativeRms < 0.25, $"{o.Name}: relative RMS {o.RelativeRms:0.000}"));
    }

    [Fact]
    public void AlignedPruningKeepsChannelCountsInBlocks()
    {
        string output = Path.Combine(TestAssets.TempDir("prune"), "front.aligned.onnx");
        var summary = PruneRun.Run(TestAssets.BlazeFaceFront, null, QuantizeTests.Calibration(), output,
            new PruneOptions { Ratio = 0.3, MaxLayerError = 1, Align = 8, ResidualStreams = true }, _ => { });
        // Only the first Conv's 24 channels can lose a block of 8; the pads' 4, 6 and 8 stay whole.
        Assert.Equal(1, summary.Pruned);
        Assert.Equal(8, summary.ChannelsRemoved);
        var before = ModelInspector.Inspect(TestAssets.BlazeFaceFront, [1, 128, 128, 3]);
        var after = ModelInspector.Inspect(output, [1, 128, 128, 3]);
        Assert.Equal("[16,3,5,5]", after.Layers[0].WeightShape);
        // Those 8 channels run through the whole stream: every depthwise Conv has 8 fewer.
        static int Channels(LayerReport l) => int.Parse(l.WeightShape.TrimStart('[').Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
        var depthwise = before.Layers.Select((l, i) => (l, i)).Where(x => x.l.WeightShape.EndsWith(",1,3,3]", StringComparison.Ordinal)).ToList();
        Assert.Equal(16, depthwise.Count);
        Assert.All(depthwise, x => Assert.Equal(Channels(x.l) - 8, Channels(after.Layers[x.i])));
        var e = Assert.Throws<ToolException>(() => PruneRun.Run(TestAssets.BlazeFaceFront, null, QuantizeTests.Calibration(), output,
            new PruneOptions { Ratio = 0.3, Align = 0 }, _ => { }));
        Assert.StartsWith("--align 0:", e.Message);
    }

    [Fact]
    public void BadInputsAreRefusedWithTheReason()
    {
        string output = Path.Combine(TestAssets.TempDir("prune"), "refused.onnx");
        var ratio = Assert.Throws<ToolException>(() => PruneRun.Run(TestAssets.OcrClassifier, null, QuantizeTests.Calibration(), output,
            new PruneOptions { Ratio = 1.5 }, _ => { }));
        Assert.StartsWith("--ratio 1.5:", ratio.Message);
        // BlazeFace front is one residual stream: pruned only when asked to.
        var stream = Assert.Throws<ToolException>(() => PruneRun.Run(TestAssets.BlazeFaceFront, null, QuantizeTests.Calibration(), output,
            new PruneOptions { Ratio = 0.3 }, _ => { }));
        Assert.Contains("runs through a residual stream (1 tied groups, 96 channels); --residual-streams prunes those", stream.Message);
        string quantised = Path.Combine(TestAssets.TempDir("prune"), "front.int8.onnx");
        QuantizeRun.Run(TestAssets.BlazeFaceFront, null, QuantizeTests.Calibration(), quantised, new QuantizeOptions { UnsignedActivations = true }, 0, _ => { });
        var q = Assert.Throws<ToolException>(() => PruneRun.Run(quantised, null, QuantizeTests.Calibration(), output,
            new PruneOptions { Ratio = 0.3 }, _ => { }));
        Assert.Contains("already quantised", q.Message);
        Assert.False(File.Exists(output));
    }

    /// <summary>The models' first outputs agree on every image within the tolerance.</summary>
    private static void AssertSameFirstOutput(List<float[][]> before, List<float[][]> after, double tolerance)
    {
        for (int s = 0; s < before.Count; s++)
            for (int i = 0; i < before[s][0].Length; i++)
                Assert.True(Math.Abs(before[s][0][i] - after[s][0][i]) <= tolerance, $"image {s} output[{i}]: {before[s][0][i]} vs {after[s][0][i]}");
    }

    /// <summary>Zeroes the weights and biases that write the given ids in these nodes' outputs.</summary>
    private static void ZeroOutputChannels(EdgeCam.ModelTool.Onnx.Proto.ModelProto model, ChannelGroup group, IEnumerable<EdgeCam.ModelTool.Onnx.Proto.NodeProto> nodes, IReadOnlySet<int> removed)
    {
        var index = new GraphIndex(model.Graph);
        foreach (var node in nodes.ToList())
        {
            int[] ids = group.Ids[node.Output[0]];
            foreach (int input in new[] { 1, 2 }.Where(i => i < node.Input.Count))
            {
                var t = index.Initializers[node.Input[input]];
                float[] v = TensorData.ReadFloats(t);
                long inner = v.LongLength / ids.Length;
                for (int k = 0; k < ids.Length; k++)
                    if (removed.Contains(ids[k])) Array.Clear(v, (int)(k * inner), (int)inner);
                model.Graph.Initializer.Remove(t);
                model.Graph.Initializer.Add(TensorData.Floats(t.Name, v, t.Dims.ToArray()));
            }
        }
    }

    private static List<float[][]> Run(EdgeCam.ModelTool.Onnx.Proto.ModelProto model, string path)
    {
        string card = ImageFeeder.CardFor(path, null);
        using var feeder = new ImageFeeder(card);
        using var session = OrtSession.FromBytes(model.ToByteArray(), "test", new SessionOptions { IntraOpThreads = 1 });
        using var runner = new ModelRunner(session, new Dictionary<string, long[]> { [session.Inputs[0].Name] = feeder.InputShape });
        var result = new List<float[][]>();
        foreach (string image in ImageFeeder.ImagesIn(QuantizeTests.Evaluation(), "images"))
        {
            feeder.Fill(image, runner.Input(0).Bytes);
            runner.Run();
            result.Add(Enumerable.Range(0, runner.Count).Select(o => runner.AsFloat(o).ToArray()).ToArray());
        }
        return result;
    }

    [Fact]
    public void TheOcrDetectorsPyramidConcatIsOneGroupOfFourSeparateSegments()
    {
        var model = OnnxFile.Load(TestAssets.OcrDetector);
        GraphPreparation.Prepare(model);
        // PP-OCRv4's neck: four 3x3 Convs (96 -> 24, one per pyramid level), each gated by a
        // squeeze-and-excitation block and added to its gated self, three upsampled by Resize,
        // concatenated into the 96 channels the head's 3x3 Conv reads.
        var group = Assert.Single(ChannelGroup.Find(model.Graph), g => g.Sinks.Any(s => s.Name == "p2o.Conv.61"));
        Assert.Equal(96, group.Channels);
        Assert.False(group.IsStream); // each channel is written by one Conv: pruned by default
        Assert.Equal(["p2o.Conv.49", "p2o.Conv.52", "p2o.Conv.55", "p2o.Conv.58"], group.Segments.Select(s => s.Name));
        Assert.All(group.Segments, s => Assert.Equal(24, s.Ids.Length));
        // Sources: the four Convs and their four gates; sinks: the gates' squeeze Convs and the head.
        Assert.Equal(8, group.Sources.Count);
        Assert.Equal(["p2o.Conv.50", "p2o.Conv.53", "p2o.Conv.56", "p2o.Conv.59", "p2o.Conv.61"], group.Sinks.Select(s => s.Name).Order());
        var concat = model.Graph.Node.Single(n => n.OpType == "Concat" && group.Ids.ContainsKey(n.Output[0]));
        // The concat's channel k of input i is channel offset(i) + k of its output.
        int at = 0;
        foreach (string input in concat.Input)
        {
            Assert.Equal(group.Ids[concat.Output[0]].Skip(at).Take(group.Ids[input].Length), group.Ids[input]);
            at += group.Ids[input].Length;
        }
        Assert.Equal(3, model.Graph.Node.Count(n => n.OpType == "Resize" && group.Ids.ContainsKey(n.Output[0])));
    }

    [Fact]
    public void TheOcrDetectorsTopDownPathIsOneStreamThroughItsResizesAndAdds()
    {
        var model = OnnxFile.Load(TestAssets.OcrDetector);
        GraphPreparation.Prepare(model);
        // The neck's four 1x1 Convs (-> 96 channels, one per backbone level, each gated) are
        // summed top-down: level 5 upsampled and added to level 4, and so on down to 160x160.
        // Channel k of every level is one channel of the sum, so the group is a stream, pruned
        // only with --residual-streams; this is where the int8 detector's Resizes and the widest
        // Adds of its neck run (docs/BENCHMARKS.md).
        var group = Assert.Single(ChannelGroup.Find(model.Graph), g => g.Sources.Any(s => s.Name == "p2o.Conv.37"));
        Assert.True(group.IsStream);
        Assert.Equal(96, group.Channels);
        Assert.Equal(3, model.Graph.Node.Count(n => n.OpType == "Resize" && group.Ids.ContainsKey(n.Output[0])));
        Assert.Equal(3, model.Graph.Node.Count(n => n.OpType == "Add" && n.Input.All(group.Ids.ContainsKey) && n.Input.Any(i => i.StartsWith("nearest_interp", StringComparison.Ordinal))));
        foreach (string conv in new[] { "p2o.Conv.37", "p2o.Conv.40", "p2o.Conv.43", "p2o.Conv.46" })
            Assert.Contains(group.Sources, s => s.Name == conv);
        // Read by the four pyramid Convs (and the gates' squeeze Convs).
        foreach (string conv in new[] { "p2o.Conv.49", "p2o.Conv.52", "p2o.Conv.55", "p2o.Conv.58" })
            Assert.Contains(group.Sinks, s => s.Name == conv);
    }

    [Fact]
    public void RemovingConcatenatedChannelsIsExactWhenTheChannelsAreZero()
    {
        // Zero the removed channels at the Convs that write them (the gate only scales them, and
        // x + x * gate stays zero), then remove them from the Convs, the gates, the squeeze Convs
        // and the head: the outputs must not move, so every slice lines up with the concat offsets.
        var zeroed = OnnxFile.Load(TestAssets.OcrDetector);
        GraphPreparation.Prepare(zeroed);
        var group = ChannelGroup.Find(zeroed.Graph).Single(g => g.Sinks.Any(s => s.Name == "p2o.Conv.61"));
        var removed = group.Segments.SelectMany(s => new[] { s.Ids[0], s.Ids[7], s.Ids[^1] }).ToHashSet();
        ZeroOutputChannels(zeroed, group, group.Sources.Where(s => group.Segments.Any(seg => seg.Name == s.Name)), removed);
        var pruned = zeroed.Clone();
        var kept = ChannelPruner.Prune(pruned.Graph, ChannelGroup.Find(pruned.Graph).Single(g => g.Sinks.Any(s => s.Name == "p2o.Conv.61")), removed);
        var head = new GraphIndex(pruned.Graph).Initializers[pruned.Graph.Node.Single(n => n.Name == "p2o.Conv.61").Input[1]];
        Assert.Equal([24, 96 - 12, 3, 3], head.Dims);
        Assert.Equal(96 - 12, kept[group.Sinks.Single(s => s.Name == "p2o.Conv.61").Input[0]].Length);

        AssertSameFirstOutput(Run(zeroed, TestAssets.OcrDetector), Run(pruned, TestAssets.OcrDetector), 1e-4);
    }

    [Theory]
    [InlineData(3, 1, 1)]
    [InlineData(3, 2, 1)]
    [InlineData(5, 2, 2)]
    [InlineData(1, 1, 0)]
    public void AKernelPatchTimesTheWeightsIsTheConvOrtComputes(int kernel, int stride, int pad)
    {
        // The im2col rows the 3x3 refit solves over must be exactly what a Conv multiplies: same
        // order as the weights, zeros where the window overhangs, the stride's steps.
        const int channels = 3, outChannels = 4, h = 9, w = 11;
        var random = new Random(kernel * 10 + stride);
        float[] weights = Enumerable.Range(0, outChannels * channels * kernel * kernel).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] bias = Enumerable.Range(0, outChannels).Select(_ => (float)random.NextDouble()).ToArray();
        var conv = new EdgeCam.ModelTool.Onnx.Proto.NodeProto { OpType = "Conv", Name = "conv", Input = { "x", "w", "b" }, Output = { "y" } };
        conv.Attribute.Add(new EdgeCam.ModelTool.Onnx.Proto.AttributeProto { Name = "strides", Type = EdgeCam.ModelTool.Onnx.Proto.AttributeProto.Types.AttributeType.Ints, Ints = { stride, stride } });
        conv.Attribute.Add(new EdgeCam.ModelTool.Onnx.Proto.AttributeProto { Name = "pads", Type = EdgeCam.ModelTool.Onnx.Proto.AttributeProto.Types.AttributeType.Ints, Ints = { pad, pad, pad, pad } });
        var model = new EdgeCam.ModelTool.Onnx.Proto.ModelProto
        {
            IrVersion = 8,
            OpsetImport = { new EdgeCam.ModelTool.Onnx.Proto.OperatorSetIdProto { Domain = "", Version = 13 } },
            Graph = new EdgeCam.ModelTool.Onnx.Proto.GraphProto
            {
                Name = "conv", Node = { conv },
                Initializer = { TensorData.Floats("w", weights, outChannels, channels, kernel, kernel), TensorData.Floats("b", bias, outChannels) },
                Input = { Value("x", 1, channels, h, w) },
                Output = { Value("y", 1, outChannels, -1, -1) },
            },
        };
        float[] input = Enumerable.Range(0, channels * h * w).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        using var session = OrtSession.FromBytes(model.ToByteArray(), "conv", new SessionOptions { IntraOpThreads = 1 });
        using var runner = new ModelRunner(session, new Dictionary<string, long[]> { ["x"] = [1, channels, h, w] });
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(input.AsSpan()).CopyTo(runner.Input(0).Bytes);
        runner.Run();
        var output = runner.AsFloat(0).ToArray();

        var patch = KernelPatch.Of(conv, kernel, kernel);
        int oh = patch.OutputSize(h, 0), ow = patch.OutputSize(w, 1);
        Assert.Equal(outChannels * oh * ow, output.Length);
        var row = new List<double>();
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
            {
                row.Clear();
                patch.AddRow(row, input, channels, h, w, i, j);
                Assert.Equal(channels * patch.Taps, row.Count);
                for (int o = 0; o < outChannels; o++)
                {
                    double sum = bias[o];
                    for (int f = 0; f < row.Count; f++) sum += row[f] * weights[o * row.Count + f];
                    Assert.True(Math.Abs(sum - output[(o * oh + i) * ow + j]) < 1e-4, $"({o},{i},{j}): {sum} vs {output[(o * oh + i) * ow + j]}");
                }
            }

        static EdgeCam.ModelTool.Onnx.Proto.ValueInfoProto Value(string name, params long[] dims)
        {
            var shape = new EdgeCam.ModelTool.Onnx.Proto.TensorShapeProto();
            foreach (long d in dims)
                shape.Dim.Add(d >= 0 ? new EdgeCam.ModelTool.Onnx.Proto.TensorShapeProto.Types.Dimension { DimValue = d }
                    : new EdgeCam.ModelTool.Onnx.Proto.TensorShapeProto.Types.Dimension { DimParam = "d" + shape.Dim.Count });
            return new() { Name = name, Type = new() { TensorType = new() { ElemType = 1, Shape = shape } } };
        }
    }

    [Fact]
    public void TheOcrClassifiersIdentityShortcutBlocksAreFoundAndDroppingAZeroBodyChangesNothing()
    {
        var model = OnnxFile.Load(TestAssets.OcrClassifier);
        GraphPreparation.Prepare(model);
        // MobileNetV3-small: seven inverted residuals with identity shortcuts (the strided and
        // widening ones have none); six carry a squeeze-and-excitation gate.
        var blocks = ResidualBlock.Find(model.Graph);
        Assert.Equal(7, blocks.Count);
        Assert.Equal(6, blocks.Count(b => b.Body.Any(n => n.OpType == "GlobalAveragePool")));
        Assert.All(blocks, b => Assert.DoesNotContain(b.Add, b.Body));

        // A block whose last Conv writes zeros adds nothing: dropping it must not move the outputs.
        var block = blocks[3];
        var last = block.Body.Last(n => n.OpType == "Conv");
        var index = new GraphIndex(model.Graph);
        foreach (string input in last.Input.Skip(1))
        {
            var t = index.Initializers[input];
            model.Graph.Initializer.Remove(t);
            model.Graph.Initializer.Add(TensorData.Floats(t.Name, new float[TensorData.ElementCount(t)], t.Dims.ToArray()));
        }
        var dropped = model.Clone();
        var again = ResidualBlock.Find(dropped.Graph).Single(b => b.Add.Output[0] == block.Add.Output[0]);
        var readers = again.Drop(dropped.Graph);
        Assert.NotEmpty(readers);
        Assert.Equal(model.Graph.Node.Count - block.Body.Count - 1, dropped.Graph.Node.Count);
        Assert.DoesNotContain(dropped.Graph.Node, n => n.Output.Contains(block.Add.Output[0]));

        AssertSameFirstOutput(Run(model, TestAssets.OcrClassifier), Run(dropped, TestAssets.OcrClassifier), 1e-5);
    }

    [Fact]
    public void DroppingBlocksRemovesOperatorsWithinTheErrorLimit()
    {
        string output = Path.Combine(TestAssets.TempDir("prune"), "cls.blocks.onnx");
        var lines = new List<string>();
        // Calibrated on the text lines of two pages, judged on those of a third (as bench/ does).
        var summary = PruneRun.Run(TestAssets.OcrClassifier, null, TextLineTests.PageDir("calib", "page.png", "bw_text.png"), output,
            new PruneOptions { Ratio = 0, DropBlocks = true, MaxLayerError = 0.15, TextLines = true }, lines.Add);
        Assert.Equal(7, summary.Blocks.Found);
        Assert.Contains(lines, l => l.StartsWith("block 7/7: ", StringComparison.Ordinal));
        Assert.True(summary.Blocks.Dropped > 0, string.Join("\n", lines));
        Assert.All(summary.Blocks.Scan.Where(s => s.Dropped), s => Assert.True(s.Error <= 0.15, $"{s.Block}: {s.Error}"));
        Assert.Equal(0, summary.Pruned); // --ratio 0: blocks only
        var before = OnnxFile.Load(TestAssets.OcrClassifier);
        GraphPreparation.Prepare(before);
        var after = OnnxFile.Load(output);
        Assert.Equal(before.Graph.Node.Count - summary.Blocks.Operators, after.Graph.Node.Count);
        Assert.True(summary.Blocks.Operators >= 6);
        AssertShrank(TestAssets.OcrClassifier, output, [1, 3, 48, 192]);
        var report = Evaluator.Run(new EvalOptions
        {
            Candidate = output, Reference = TestAssets.OcrClassifier, ImagesDir = TextLineTests.PageDir("eval", "imageTextN.png"), TextLines = true, LatencyRuns = 1,
        }, _ => { });
        Assert.True(report.Top1Agreement >= 0.95, $"top-1 agreement {report.Top1Agreement:0.000} on {report.Inputs} inputs");

        var e = Assert.Throws<ToolException>(() => PruneRun.Run(TestAssets.OcrClassifier, null, QuantizeTests.Calibration(), output,
            new PruneOptions { Ratio = 0 }, _ => { }));
        Assert.StartsWith("--ratio 0:", e.Message);
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

    /// <summary>The pruned model really has fewer parameters and MACs at the card's input size.</summary>
    private static void AssertShrank(string original, string pruned, long[] inputShape)
    {
        var before = ModelInspector.Inspect(original, inputShape);
        var after = ModelInspector.Inspect(pruned, inputShape);
        Assert.True(after.Parameters < before.Parameters, $"{after.Parameters} vs {before.Parameters}");
        Assert.True(after.TotalMacs < before.TotalMacs, $"{after.TotalMacs} vs {before.TotalMacs}");
    }
}
