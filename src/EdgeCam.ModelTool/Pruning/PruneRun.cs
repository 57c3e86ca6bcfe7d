using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Evaluation;
using EdgeCam.ModelTool.Graph;
using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;
using EdgeCam.ModelTool.Release;
using EdgeCam.Updates.Storage;
using Google.Protobuf;

namespace EdgeCam.ModelTool.Pruning;

public sealed record PruneOptions
{
    /// <summary>Share of output channels removed from each layer that is pruned.</summary>
    public required double Ratio { get; init; }
    /// <summary>A layer is pruned only if pruning it alone (before refitting) moves the model's
    /// outputs by at most this relative RMS error on the calibration images.</summary>
    public double MaxLayerError { get; init; } = 0.10;
    public int CropRows { get; init; }
    public bool TextLines { get; init; }
    public int PixelsPerImage { get; init; } = 2048;
    public double Ridge { get; init; } = 1e-4;
}

public sealed record PruneSummary(int Groups, int Pruned, long ChannelsRemoved, int Refitted, IReadOnlyList<(string Layer, double Error, bool Chosen)> Scan);

/// <summary>
/// Training-free structured pruning (the channel-pruning approach of He et al. 2017 / ThiNet):
/// BatchNorm folded first; each prunable channel group's channels ranked by their measured
/// contribution to the next layers on the calibration images (mean |activation| x the weight
/// norm reading it); a sensitivity scan prunes every group alone and keeps only the groups whose
/// outputs barely move; then, group by group, the least useful channels are removed and each 1x1
/// consumer is refitted by least squares so that, on the calibration activations of the pruned
/// model, it reproduces the original model's output.
/// </summary>
public static class PruneRun
{
    public static PruneSummary Run(string modelPath, string? cardPath, string calibrationDir, string outputPath, PruneOptions options, Action<string> progress)
    {
        if (!(options.Ratio > 0 && options.Ratio < 1)) throw new ToolException($"--ratio {options.Ratio}: expected a number between 0 and 1 (the share of channels to remove)");
        var model = OnnxFile.Load(modelPath);
        var files = ImageFeeder.ImagesIn(calibrationDir, "--calibration");
        string card = ImageFeeder.CardFor(modelPath, cardPath);
        using var feeder = new ImageFeeder(card);
        var samples = feeder.Samples(files, options.CropRows, options.TextLines);
        if (model.Graph.Node.Any(n => n.OpType is "QuantizeLinear" or "DequantizeLinear"))
            throw new ToolException($"{modelPath}: already quantised; prune the float model, then quantise");
        GraphPreparation.Prepare(model);
        var original = model.Clone();
        var groups = ChannelGroup.Find(model.Graph);
        if (groups.Count == 0)
            throw new ToolException($"{modelPath}: no Conv layer whose output channels can be removed (every Conv output feeds a residual Add, Concat, pooling or graph output; " +
                "pruning such models needs whole residual streams pruned together, which this tool does not do)");
        progress($"{groups.Count} prunable channel groups; importance and sensitivity on {samples.Count} calibration inputs");

        var reference = Outputs(original, feeder, samples, modelPath);
        var importance = Importance(original, groups, feeder, samples, modelPath);

        // Sensitivity scan: each group pruned alone (and refitted) at the ratio, then at half of it;
        // the group gets the larger ratio whose output error stays within the limit, or none.
        var scan = new List<(string Layer, double Error, bool Chosen)>();
        var chosen = new List<(int Group, double Ratio)>();
        for (int g = 0; g < groups.Count; g++)
        {
            double error = double.PositiveInfinity, ratio = options.Ratio;
            foreach (double r in new[] { options.Ratio, options.Ratio / 2 })
            {
                var trial = original.Clone();
                PruneGroup(trial, original, ChannelGroup.Find(trial.Graph)[g], Keep(importance[g], r), feeder, samples, options, modelPath);
                error = RelativeError(reference, Outputs(trial, feeder, samples, modelPath));
                ratio = r;
                if (error <= options.MaxLayerError) break;
            }
            bool ok = error <= options.MaxLayerError;
            scan.Add((groups[g].Name, error, ok));
            if (ok) chosen.Add((g, ratio));
            progress($"sensitivity {g + 1}/{groups.Count}: {groups[g].Name}: relative output error {error:0.0000} at ratio {ratio:0.###}{(ok ? "" : " (kept whole)")}");
        }

        // Prune the chosen groups one by one, refitting consumers towards the original outputs
        // (on activations of the model pruned so far, so later refits absorb earlier errors).
        long removed = 0; int refitted = 0;
        foreach (var (g, ratio) in chosen)
        {
            var group = ChannelGroup.Find(model.Graph).First(x => x.Source.Output[0] == groups[g].Source.Output[0]);
            int[] keep = Keep(importance[g], ratio);
            refitted += PruneGroup(model, original, group, keep, feeder, samples, options, modelPath);
            removed += group.Channels - keep.Length;
        }
        double final = RelativeError(reference, Outputs(model, feeder, samples, modelPath));
        progress($"pruned {chosen.Count} of {groups.Count} groups, {removed} channels, {refitted} layers refitted; relative output error on calibration {final:0.0000}");
        model.MetadataProps.Add(new StringStringEntryProto { Key = "edgecam.pruning", Value = $"structured channel pruning, ratio up to {options.Ratio}, {chosen.Count} groups, least-squares refit" });
        OnnxFile.SaveLoadable(model, outputPath);
        string outCard = Path.ChangeExtension(outputPath, ".card.json");
        if (Path.GetFullPath(outCard) != Path.GetFullPath(card)) DurableFile.Write(outCard, File.ReadAllBytes(card));
        return new PruneSummary(groups.Count, chosen.Count, removed, refitted, scan);
    }

    /// <returns>How many consumers were refitted.</returns>
    private static int PruneGroup(ModelProto model, ModelProto original, ChannelGroup group, int[] keep, ImageFeeder feeder,
        IReadOnlyList<ImageSample> samples, PruneOptions options, string origin)
    {
        ChannelPruner.Prune(model.Graph, group, keep);
        int refitted = 0;
        foreach (var sink in group.Sinks.Where(s => IsPointwise(s) || IsBlockUpsampling(s)))
        {
            Refit(model, original, sink, keep.Length, feeder, samples, options, origin);
            refitted++;
        }
        return refitted;
    }

    private static bool IsPointwise(NodeProto n) =>
        GraphIndex.IntsAttribute(n, "kernel_shape") is { Count: 2 } k && k[0] == 1 && k[1] == 1
        && GraphIndex.IntsAttribute(n, "strides").All(s => s == 1) && GraphIndex.IntsAttribute(n, "pads").All(p => p == 0);

    /// <summary>A ConvTranspose whose kernel equals its stride: each input pixel alone makes one
    /// output block, so it is a per-pixel linear map like a 1x1 Conv and refits the same way.</summary>
    private static bool IsBlockUpsampling(NodeProto n) =>
        n.OpType == "ConvTranspose" && GraphIndex.IntsAttribute(n, "kernel_shape") is { Count: 2 } k
        && GraphIndex.IntsAttribute(n, "strides").SequenceEqual(k) && GraphIndex.IntsAttribute(n, "pads").All(p => p == 0)
        && GraphIndex.IntsAttribute(n, "output_padding").All(p => p == 0) && GraphIndex.IntAttribute(n, "group", 1) == 1;

    private static int[] Keep(double[] importance, double ratio)
    {
        int keep = Math.Max(1, (int)Math.Round(importance.Length * (1 - ratio)));
        return importance.Select((v, i) => (v, i)).OrderByDescending(x => x.v).Take(keep).Select(x => x.i).Order().ToArray();
    }

    /// <summary>Per group and channel: mean |activation| at each sink's input x the L2 norm of the sink weights reading it.</summary>
    private static double[][] Importance(ModelProto model, List<ChannelGroup> groups, ImageFeeder feeder, IReadOnlyList<ImageSample> samples, string origin)
    {
        var index = new GraphIndex(model.Graph);
        var tensors = groups.SelectMany(g => g.Sinks.Select(s => s.Input[0])).Distinct().ToList();
        var meanAbs = new Dictionary<string, double[]>();
        using (var probe = new ActivationProbe(model, tensors, new Dictionary<string, long[]> { [Quantization.Calibrator.InputName(model)] = feeder.InputShape }, origin))
        {
            foreach (var sample in samples)
            {
                feeder.Fill(sample, probe.Runner.Input(0).Bytes);
                probe.Runner.Run();
                foreach (string t in tensors)
                {
                    var shape = probe.ShapeOf(t);
                    int c = (int)shape[1], plane = (int)(shape[2] * shape[3]);
                    if (!meanAbs.TryGetValue(t, out var acc)) meanAbs[t] = acc = new double[c];
                    var v = probe.Floats(t);
                    for (int ch = 0; ch < c; ch++)
                    {
                        double s = 0;
                        foreach (float x in v.Slice(ch * plane, plane)) s += Math.Abs(x);
                        acc[ch] += s / plane;
                    }
                }
            }
        }
        return groups.Select(g =>
        {
            var score = new double[g.Channels];
            foreach (var sink in g.Sinks)
            {
                var w = index.Initializers[sink.Input[1]];
                float[] wv = TensorData.ReadFloats(w);
                var act = meanAbs[sink.Input[0]];
                var norms = new double[g.Channels];
                var layout = new WeightLayout(w.Dims.ToArray(), ChannelGroup.SinkInputAxis(sink));
                for (long i = 0; i < wv.LongLength; i++) norms[layout.ChannelOf(i)] += (double)wv[i] * wv[i];
                for (int c = 0; c < g.Channels; c++) score[c] += act[c] * Math.Sqrt(norms[c]);
            }
            return score;
        }).ToArray();
    }

    /// <summary>Least squares for a 1x1 Conv or block-upsampling ConvTranspose sink: inputs from the
    /// pruned model, targets (minus bias) from the original model's output of the same layer.</summary>
    private static void Refit(ModelProto model, ModelProto original, NodeProto sink, int inChannels, ImageFeeder feeder,
        IReadOnlyList<ImageSample> samples, PruneOptions options, string origin)
    {
        var index = new GraphIndex(model.Graph);
        var w = index.Initializers[sink.Input[1]];
        bool transposed = sink.OpType == "ConvTranspose";
        int outChannels = (int)(transposed ? w.Dims[1] : w.Dims[0]);
        int kh = transposed ? (int)w.Dims[2] : 1, kw = transposed ? (int)w.Dims[3] : 1;
        int columns = outChannels * kh * kw;
        float[] bias = sink.Input.Count > 2 && sink.Input[2].Length > 0 ? TensorData.ReadFloats(index.Initializers[sink.Input[2]]) : new float[outChannels];
        string input = sink.Input[0], output = sink.Output[0];
        var shapes = new Dictionary<string, long[]> { [Quantization.Calibrator.InputName(model)] = feeder.InputShape };
        var xs = new List<double>(); var ys = new List<double>();
        int rows = 0;
        using var pruned = new ActivationProbe(model, [input], shapes, origin);
        using var target = new ActivationProbe(original, [output], shapes, origin);
        foreach (var sample in samples)
        {
            feeder.Fill(sample, pruned.Runner.Input(0).Bytes);
            pruned.Runner.Input(0).Bytes.CopyTo(target.Runner.Input(0).Bytes);
            pruned.Runner.Run();
            target.Runner.Run();
            var x = pruned.Floats(input); var y = target.Floats(output);
            int h = (int)pruned.ShapeOf(input)[2], wd = (int)pruned.ShapeOf(input)[3], plane = h * wd;
            int oh = (int)target.ShapeOf(output)[2], ow = (int)target.ShapeOf(output)[3];
            if (oh != h * kh || ow != wd * kw) return; // not the per-pixel map this refit assumes
            int step = Math.Max(1, plane / options.PixelsPerImage);
            for (int p = 0; p < plane; p += step)
            {
                int i = p / wd, j = p % wd;
                for (int c = 0; c < inChannels; c++) xs.Add(x[c * plane + p]);
                for (int o = 0; o < outChannels; o++)
                    for (int di = 0; di < kh; di++)
                        for (int dj = 0; dj < kw; dj++)
                            ys.Add(y[(o * oh + i * kh + di) * ow + j * kw + dj] - bias[o]);
                rows++;
            }
        }
        if (rows < inChannels) return;
        var solved = LeastSquares.Solve(xs.ToArray(), ys.ToArray(), rows, inChannels, columns, options.Ridge);
        ChannelPruner.SetSinkWeights(model.Graph, sink, solved, inChannels, columns, transposed);
    }

    private static List<float[][]> Outputs(ModelProto model, ImageFeeder feeder, IReadOnlyList<ImageSample> samples, string origin)
    {
        using var session = OrtSession.FromBytes(model.ToByteArray(), origin, new SessionOptions { IntraOpThreads = 2 });
        using var runner = new ModelRunner(session, new Dictionary<string, long[]> { [session.Inputs[0].Name] = feeder.InputShape });
        var result = new List<float[][]>();
        foreach (var sample in samples)
        {
            feeder.Fill(sample, runner.Input(0).Bytes);
            runner.Run();
            result.Add(Enumerable.Range(0, runner.Count).Select(o => runner.AsFloat(o).ToArray()).ToArray());
        }
        return result;
    }

    private static double RelativeError(List<float[][]> reference, List<float[][]> candidate)
    {
        double diff = 0, norm = 0;
        for (int s = 0; s < reference.Count; s++)
            for (int o = 0; o < reference[s].Length; o++)
                for (int i = 0; i < reference[s][o].Length; i++)
                {
                    double d = candidate[s][o][i] - reference[s][o][i];
                    diff += d * d; norm += (double)reference[s][o][i] * reference[s][o][i];
                }
        return norm == 0 ? 0 : Math.Sqrt(diff / norm);
    }
}
