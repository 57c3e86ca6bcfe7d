using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Evaluation;
using EdgeCam.ModelTool.Graph;
using EdgeCam.ModelTool.Inspect;
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
    /// <summary>A segment is pruned only if pruning it alone (and refitting) moves the model's worst
    /// output by at most this relative RMS error on the calibration images; the pruned segments
    /// together must stay within it too.</summary>
    public double MaxLayerError { get; init; } = 0.10;
    public int CropRows { get; init; }
    public bool TextLines { get; init; }
    public int PixelsPerImage { get; init; } = 2048;
    public double Ridge { get; init; } = 1e-4;
    /// <summary>Channels kept per segment rounded to a multiple of this (segments smaller than it
    /// stay whole): integer convolution kernels run channels in blocks, and odd counts can make a
    /// pruned int8 model slower than the unpruned one.</summary>
    public int Align { get; init; } = 1;
    /// <summary>Also prune groups whose channels run through residual Adds or channel pads (one
    /// channel removed from every block of a stream). Opt-in: on BlazeFace, removing stream
    /// channels without retraining costs far more precision than the output error shows.</summary>
    public bool ResidualStreams { get; init; }
    /// <summary>First remove whole residual blocks (y = x + F(x) becomes y = x, the layers after
    /// refitted) while the output error stays within the limit: a small model's latency is mostly
    /// per-operator cost, which channel pruning does not remove.</summary>
    public bool DropBlocks { get; init; }
}

public sealed record PruneSummary(int Groups, int Pruned, long ChannelsRemoved, int Refitted, IReadOnlyList<(string Layer, double Error, bool Chosen)> Scan)
{
    public BlockSummary Blocks { get; init; } = new(0, 0, 0, []);
}

/// <param name="Found">Residual blocks with identity shortcuts.</param>
/// <param name="Dropped">How many of them were removed.</param>
/// <param name="Operators">Operators removed with them.</param>
public sealed record BlockSummary(int Found, int Dropped, int Operators, IReadOnlyList<(string Block, double Error, bool Dropped)> Scan);

/// <summary>
/// Training-free structured pruning (the channel-pruning approach of He et al. 2017 / ThiNet):
/// BatchNorm folded first; each prunable channel group's channels ranked by their measured
/// contribution to the next layers on the calibration images (mean |activation| x the weight
/// norm reading it, summed along a residual stream); a sensitivity scan prunes every segment (the
/// channels born at one Conv or pad) alone and keeps only those whose outputs barely move; then,
/// group by group, the least useful channels are removed and each 1x1 consumer is refitted by
/// least squares so that, on the calibration activations of the pruned model, it reproduces the
/// original model's output (for a block feeding a residual Add: the original sum minus the
/// pruned shortcut).
/// </summary>
public static partial class PruneRun
{
    public static PruneSummary Run(string modelPath, string? cardPath, string calibrationDir, string outputPath, PruneOptions options, Action<string> progress)
    {
        if (!(options.Ratio >= 0 && options.Ratio < 1) || options.Ratio == 0 && !options.DropBlocks)
            throw new ToolException($"--ratio {options.Ratio}: expected a number between 0 and 1 (the share of channels to remove; 0 only with --drop-blocks)");
        if (options.Align is < 1 or > 64) throw new ToolException($"--align {options.Align}: expected a channel count between 1 and 64");
        var model = OnnxFile.Load(modelPath);
        var files = ImageFeeder.ImagesIn(calibrationDir, "--calibration");
        string card = ImageFeeder.CardFor(modelPath, cardPath);
        using var feeder = new ImageFeeder(card);
        var samples = feeder.Samples(files, options.CropRows, options.TextLines);
        if (model.Graph.Node.Any(n => n.OpType is "QuantizeLinear" or "DequantizeLinear"))
            throw new ToolException($"{modelPath}: already quantised; prune the float model, then quantise");
        GraphPreparation.Prepare(model);
        var context = new PruneContext(model.Clone(), Outputs(model, feeder, samples, modelPath), feeder, samples, options, modelPath, progress);
        var blocks = new BlockSummary(0, 0, 0, []);
        if (options.DropBlocks)
        {
            (model, blocks) = DropBlocks(context);
            // Channel pruning then works on the model without those blocks, against the same reference outputs.
            context = context with { Original = model.Clone() };
        }
        var summary = new PruneSummary(0, 0, 0, 0, []);
        if (options.Ratio > 0) (model, summary) = PruneChannels(context, blocks.Dropped > 0);
        summary = summary with { Blocks = blocks };
        string kinds = string.Join(", ", new[] { blocks.Dropped > 0 ? $"{blocks.Dropped} residual blocks dropped" : null, summary.Pruned > 0 ? $"channel pruning up to ratio {options.Ratio}, {summary.Pruned} segments" : null }.OfType<string>());
        model.MetadataProps.Add(new StringStringEntryProto { Key = "edgecam.pruning", Value = $"structured pruning: {(kinds.Length > 0 ? kinds : "nothing removed")}, least-squares refit" });
        OnnxFile.SaveLoadable(model, outputPath);
        string outCard = Path.ChangeExtension(outputPath, ".card.json");
        if (Path.GetFullPath(outCard) != Path.GetFullPath(card)) DurableFile.Write(outCard, File.ReadAllBytes(card));
        return summary;
    }

    /// <summary>What every phase of one prune run shares: the model it starts from, the calibration
    /// inputs and the original model's outputs on them (every error is measured against those).</summary>
    private sealed record PruneContext(ModelProto Original, List<float[][]> Reference, ImageFeeder Feeder, IReadOnlyList<ImageSample> Samples,
        PruneOptions Options, string Origin, Action<string> Progress);

    /// <summary>Channel pruning of the context's model.</summary>
    private static (ModelProto Model, PruneSummary Summary) PruneChannels(PruneContext context, bool blocksDropped)
    {
        var (original, reference, feeder, samples, options, modelPath, progress) = context;
        var model = original.Clone();
        var all = ChannelGroup.Find(model.Graph);
        var groups = all.Where(g => options.ResidualStreams || !g.IsStream).ToList();
        if (groups.Count == 0)
        {
            string why = all.Count > 0
                ? $"every Conv output it could prune runs through a residual stream ({all.Count(g => g.IsStream)} tied groups, {all.Where(g => g.IsStream).Sum(g => g.Channels)} channels); --residual-streams prunes those"
                : "no Conv layer whose output channels can be removed (every Conv output reaches a Concat, Transpose, graph output or another operator whose channels cannot follow)";
            if (!blocksDropped) throw new ToolException($"{modelPath}: {why}");
            progress($"no channels pruned: {why}");
            return (model, new PruneSummary(0, 0, 0, 0, []));
        }
        var units = groups.SelectMany((g, gi) => g.Segments.Select(s => (Group: gi, Segment: s))).ToList();
        progress($"{groups.Count} prunable channel groups ({units.Count} segments, {groups.Sum(g => g.Channels)} channels); importance and sensitivity on {samples.Count} calibration inputs");

        long? originalMacs = ModelInspector.TotalMacs(original, modelPath, feeder.InputShape);
        var importance = Importance(original, groups, feeder, samples, modelPath);

        // Sensitivity scan: each segment (the channels born at one Conv or pad) pruned alone (and
        // its group's consumers refitted) at the ratio, then at half of it; the segment gets the
        // larger ratio whose output error stays within the limit, or none.
        var scan = new List<(string Layer, double Error, bool Chosen)>();
        var chosen = new List<(int Unit, int Group, int[] Removed, long Saved)>();
        for (int u = 0; u < units.Count; u++)
        {
            var (g, segment) = units[u];
            double error = double.PositiveInfinity, ratio = options.Ratio;
            int[] removed = [];
            long saved = 0;
            foreach (double r in new[] { options.Ratio, options.Ratio / 2 })
            {
                removed = Removed(importance[g], segment.Ids, r, options.Align);
                if (removed.Length == 0) break;
                var trial = original.Clone();
                PruneGroup(trial, original, new ChannelMap(), ChannelGroup.Find(trial.Graph).First(x => x.Key == groups[g].Key), removed.ToHashSet(), feeder, samples, options, modelPath);
                error = RelativeError(reference, Outputs(trial, feeder, samples, modelPath));
                saved = originalMacs - ModelInspector.TotalMacs(trial, modelPath, feeder.InputShape) ?? 0;
                ratio = r;
                if (error <= options.MaxLayerError) break;
            }
            bool ok = removed.Length > 0 && error <= options.MaxLayerError;
            string name = groups[g].Segments.Count == 1 ? segment.Name : $"{segment.Name} ({segment.Ids.Length} of {groups[g].Channels} tied channels)";
            scan.Add((name, error, ok));
            if (ok) chosen.Add((u, g, removed, saved));
            progress($"sensitivity {u + 1}/{units.Count}: {name}: relative output error {error:0.0000} at ratio {ratio:0.###}, {saved / 1e6:0.0} M MACs fewer{(ok ? "" : " (kept whole)")}");
        }

        // Prune group by group (all its chosen segments at once), refitting consumers towards the
        // original outputs on activations of the model pruned so far, so later refits absorb earlier
        // errors. Errors that each pass the scan can add up: while the whole stays over the limit,
        // the segment that saves the fewest MACs for the output error it caused in the scan is
        // kept whole and the pruning redone (the error budget goes to the segments that save the
        // most compute for it; a segment's cost in time also depends on the operators around it,
        // which eval --profile shows).
        chosen = chosen.OrderByDescending(c => originalMacs is null ? -scan[c.Unit].Error : c.Saved / Math.Max(scan[c.Unit].Error, 1e-9)).ToList();
        long removedChannels; int refitted; double final;
        while (true)
        {
            model = original.Clone();
            removedChannels = 0; refitted = 0;
            var map = new ChannelMap();
            foreach (var byGroup in chosen.GroupBy(c => c.Group).OrderBy(x => x.Key)) // in graph order
            {
                var group = ChannelGroup.Find(model.Graph).First(x => x.Key == groups[byGroup.Key].Key);
                var removed = byGroup.SelectMany(c => c.Removed).ToHashSet();
                refitted += PruneGroup(model, original, map, group, removed, feeder, samples, options, modelPath);
                removedChannels += removed.Count;
            }
            final = RelativeError(reference, Outputs(model, feeder, samples, modelPath));
            if (final <= options.MaxLayerError || chosen.Count <= 1) break;
            // Segments that save next to no MACs (under 0.1%: a squeeze Conv's few channels) go all at once.
            var idle = chosen.Where(c => c.Saved < originalMacs / 1000 && scan[c.Unit].Error > 0).ToList();
            var dropped = idle.Count > 0 && idle.Count < chosen.Count ? idle : [chosen[^1]];
            foreach (var d in dropped) scan[d.Unit] = scan[d.Unit] with { Chosen = false };
            chosen.RemoveAll(dropped.Contains);
            progress($"relative output error {final:0.0000} with {chosen.Count + dropped.Count} segments pruned is over the limit; keeping {string.Join(", ", dropped.Select(d => scan[d.Unit].Layer))} whole");
        }
        progress($"pruned {chosen.Count} of {units.Count} segments, {removedChannels} channels, {refitted} layers refitted; relative output error on calibration {final:0.0000}");
        return (model, new PruneSummary(units.Count, chosen.Count, removedChannels, refitted, scan));
    }

    /// <summary>Per pruned tensor: which of the original model's channels each remaining channel is.</summary>
    private sealed class ChannelMap
    {
        private readonly Dictionary<string, int[]> _original = new();
        public int Original(string tensor, int channel) => _original.TryGetValue(tensor, out var m) ? m[channel] : channel;
        public void Apply(Dictionary<string, int[]> kept)
        {
            foreach (var (t, keep) in kept) _original[t] = keep.Select(k => Original(t, k)).ToArray();
        }
    }

    /// <returns>How many consumers were refitted.</returns>
    private static int PruneGroup(ModelProto model, ModelProto original, ChannelMap map, ChannelGroup group, IReadOnlySet<int> removed, ImageFeeder feeder,
        IReadOnlyList<ImageSample> samples, PruneOptions options, string origin)
    {
        map.Apply(ChannelPruner.Prune(model.Graph, group, removed));
        int refitted = 0;
        foreach (var sink in group.Sinks.Where(s => IsPlainConv(s) || IsBlockUpsampling(s)))
            if (Refit(model, original, map, sink, feeder, samples, options, origin)) refitted++;
        return refitted;
    }

    /// <summary>A dense Conv with explicit pads and no dilation: each output pixel is a linear map
    /// of one input patch (its im2col row), refitted like a 1x1 Conv over the patch.</summary>
    private static bool IsPlainConv(NodeProto n) =>
        n.OpType == "Conv" && GraphIndex.IntAttribute(n, "group", 1) == 1 && GraphIndex.IntsAttribute(n, "dilations").All(d => d == 1)
        && (GraphIndex.StringAttribute(n, "auto_pad") ?? "NOTSET") == "NOTSET";

    /// <summary>A ConvTranspose whose kernel equals its stride: each input pixel alone makes one
    /// output block, so it is a per-pixel linear map like a 1x1 Conv and refits the same way.</summary>
    private static bool IsBlockUpsampling(NodeProto n) =>
        n.OpType == "ConvTranspose" && GraphIndex.IntsAttribute(n, "kernel_shape") is { Count: 2 } k
        && GraphIndex.IntsAttribute(n, "strides").SequenceEqual(k) && GraphIndex.IntsAttribute(n, "pads").All(p => p == 0)
        && GraphIndex.IntsAttribute(n, "output_padding").All(p => p == 0) && GraphIndex.IntAttribute(n, "group", 1) == 1;

    /// <summary>The least important share of a segment's ids (at least one id stays).</summary>
    private static int[] Removed(double[] importance, int[] ids, double ratio, int align)
    {
        int keep = Math.Max(1, (int)Math.Round(ids.Length * (1 - ratio)));
        if (align > 1) keep = ids.Length < align ? ids.Length : Math.Max(align, (int)Math.Round(keep / (double)align) * align);
        return ids.OrderByDescending(i => importance[i]).Skip(keep).Order().ToArray();
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
                int[] ids = g.Ids[sink.Input[0]];
                var norms = new double[ids.Length];
                var layout = new WeightLayout(w.Dims.ToArray(), ChannelGroup.SinkInputAxis(sink));
                for (long i = 0; i < wv.LongLength; i++) norms[layout.ChannelOf(i)] += (double)wv[i] * wv[i];
                // A tied channel scores what it gives every layer reading it, along the whole stream.
                for (int c = 0; c < ids.Length; c++) score[ids[c]] += act[c] * Math.Sqrt(norms[c]);
            }
            return score;
        }).ToArray();
    }

    /// <summary>Least squares for a Conv sink (over each output pixel's input patch) or a
    /// block-upsampling ConvTranspose sink (over each input pixel): inputs from the pruned model,
    /// targets (minus bias) from the original model's output of the same layer, at the original
    /// channels the sink's remaining outputs are.</summary>
    /// <returns>False when the sink is not the map this refit assumes or the data is too little.</returns>
    private static bool Refit(ModelProto model, ModelProto original, ChannelMap map, NodeProto sink, ImageFeeder feeder,
        IReadOnlyList<ImageSample> samples, PruneOptions options, string origin)
    {
        var index = new GraphIndex(model.Graph);
        var w = index.Initializers[sink.Input[1]];
        bool transposed = sink.OpType == "ConvTranspose";
        int inChannels = (int)w.Dims[ChannelGroup.SinkInputAxis(sink)];
        int outChannels = (int)(transposed ? w.Dims[1] : w.Dims[0]);
        // A Conv's unknowns are every input channel at every kernel tap, one row per output pixel;
        // a ConvTranspose's are the input channels, one row per input pixel, its columns the
        // output block that pixel makes.
        var patch = transposed ? KernelPatch.Single : KernelPatch.Of(sink, (int)w.Dims[2], (int)w.Dims[3]);
        int blockH = transposed ? (int)w.Dims[2] : 1, blockW = transposed ? (int)w.Dims[3] : 1;
        int features = inChannels * patch.Taps, columns = outChannels * blockH * blockW;
        float[] bias = sink.Input.Count > 2 && sink.Input[2].Length > 0 ? TensorData.ReadFloats(index.Initializers[sink.Input[2]]) : new float[outChannels];
        string input = sink.Input[0], output = sink.Output[0];
        // A Conv refits its bias too: removed channels also took their mean away.
        bool intercept = !transposed;
        // A layer feeding a residual Add alone is fitted to the original sum minus the pruned
        // shortcut, so that it also absorbs the error the shortcut carries from earlier pruning.
        string? skip = null, sum = null;
        if (!transposed && index.Consumers(output) is [{ OpType: "Add" } add] && !index.IsGraphOutput(output)
            && add.Input.Count == 2 && add.Input.Count(i => i == output) == 1 && !index.IsInitializer(add.Input[0] == output ? add.Input[1] : add.Input[0]))
        {
            skip = add.Input[0] == output ? add.Input[1] : add.Input[0];
            sum = add.Output[0];
        }
        var shapes = new Dictionary<string, long[]> { [Quantization.Calibrator.InputName(model)] = feeder.InputShape };
        using var pruned = new ActivationProbe(model, skip is null ? [input] : [input, skip], shapes, origin);
        if (skip is not null && pruned.IndexOf(skip) < 0) skip = sum = null; // not observable (optimised away): fit the layer alone
        string targetName = sum ?? output;
        int[] originalOut = Enumerable.Range(0, outChannels).Select(o => map.Original(targetName, o)).ToArray();
        var xs = new List<double>(); var ys = new List<double>();
        int rows = 0;
        using var target = new ActivationProbe(original, [targetName], shapes, origin);
        foreach (var sample in samples)
        {
            feeder.Fill(sample, pruned.Runner.Input(0).Bytes);
            pruned.Runner.Input(0).Bytes.CopyTo(target.Runner.Input(0).Bytes);
            pruned.Runner.Run();
            target.Runner.Run();
            var x = pruned.Floats(input); var y = target.Floats(targetName);
            int h = (int)pruned.ShapeOf(input)[2], wd = (int)pruned.ShapeOf(input)[3];
            int oh = (int)target.ShapeOf(targetName)[2], ow = (int)target.ShapeOf(targetName)[3], outPlane = oh * ow;
            if (transposed ? oh != h * blockH || ow != wd * blockW : oh != patch.OutputSize(h, 0) || ow != patch.OutputSize(wd, 1)) return false;
            var shortcut = skip is null ? default : pruned.Floats(skip);
            if (skip is not null && shortcut.Length != outChannels * outPlane) return false;
            // Rows: input pixels of a ConvTranspose, output pixels of a Conv.
            int rowWidth = transposed ? wd : ow, plane = transposed ? h * wd : outPlane;
            int step = Math.Max(1, plane / options.PixelsPerImage);
            for (int p = 0; p < plane; p += step)
            {
                int i = p / rowWidth, j = p % rowWidth;
                patch.AddRow(xs, x, inChannels, h, wd, i, j);
                if (intercept) xs.Add(1);
                for (int o = 0; o < outChannels; o++)
                {
                    if (!transposed) { ys.Add(y[originalOut[o] * outPlane + p] - bias[o] - (skip is null ? 0 : shortcut[o * outPlane + p])); continue; }
                    for (int di = 0; di < blockH; di++)
                        for (int dj = 0; dj < blockW; dj++)
                            ys.Add(y[(originalOut[o] * oh + i * blockH + di) * ow + j * blockW + dj] - bias[o]);
                }
                rows++;
            }
        }
        int unknowns = features + (intercept ? 1 : 0);
        if (rows < unknowns) return false;
        var solved = LeastSquares.Solve(xs.ToArray(), ys.ToArray(), rows, unknowns, columns, options.Ridge);
        ChannelPruner.SetSinkWeights(model.Graph, sink, solved, features, columns, transposed);
        if (intercept)
            ChannelPruner.SetBias(model.Graph, sink, Enumerable.Range(0, outChannels).Select(o => bias[o] + (float)solved[features * columns + o]).ToArray());
        return true;
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

    /// <summary>The worst output's relative RMS error: a detector's small score outputs count as
    /// much as its large box outputs.</summary>
    private static double RelativeError(List<float[][]> reference, List<float[][]> candidate)
    {
        double worst = 0;
        for (int o = 0; o < (reference.Count == 0 ? 0 : reference[0].Length); o++)
        {
            double diff = 0, norm = 0;
            for (int s = 0; s < reference.Count; s++)
                for (int i = 0; i < reference[s][o].Length; i++)
                {
                    double d = candidate[s][o][i] - reference[s][o][i];
                    diff += d * d; norm += (double)reference[s][o][i] * reference[s][o][i];
                }
            if (norm > 0) worst = Math.Max(worst, Math.Sqrt(diff / norm));
        }
        return worst;
    }
}
