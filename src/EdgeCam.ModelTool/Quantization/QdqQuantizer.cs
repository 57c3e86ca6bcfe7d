using EdgeCam.ModelTool.Graph;
using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Quantization;

/// <summary>
/// Static int8 quantisation in the QDQ format: a QuantizeLinear/DequantizeLinear pair on every
/// activation that enters or leaves an operator ORT has integer kernels for (ORT fuses
/// DQ -> op -> Q into QLinearConv, QLinearAdd, ...), weights stored as int8, symmetric per output
/// channel, behind a DequantizeLinear; biases float (ORT quantises them to int32 when it fuses) or,
/// with --int32-biases, int32 at input scale x weight scale. ReLU/Clip
/// right after such an operator are dropped: the Q of their output, calibrated on the clipped
/// values, clamps the same way. Graph outputs stay float.
/// Models below opset 13 (no per-axis QuantizeLinear in the standard domain) are raised to 13 when
/// their operators mean the same there (<see cref="OpsetUpgrade"/>); otherwise they get ORT's
/// com.microsoft Q/DQ, which have the same semantics and which ORT fuses the same way.
/// </summary>
public static class QdqQuantizer
{
    private static readonly HashSet<string> Weighted = ["Conv", "ConvTranspose", "Gemm", "MatMul"];
    private static readonly HashSet<string> EveryInput = ["Add", "Mul", "Concat"];
    private static readonly HashSet<string> FirstInput = ["MaxPool", "AveragePool", "GlobalAveragePool", "Resize", "Sigmoid", "Transpose", "Reshape"];

    /// <summary>Operators whose outputs are some of their input's values, moved or selected.</summary>
    private static readonly HashSet<string> ValuePreserving = ["MaxPool", "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze"];

    /// <summary>
    /// The output of MaxPool, Reshape, Transpose... gets its input's range. ORT runs these on 8-bit
    /// values (dropping the DQ before and the Q after) only when both have the same scale and zero
    /// point; otherwise it dequantises, runs them in float in NCHW and quantises again, with
    /// Transposes around. MinMax ranges happen to agree there (a max pool keeps the extremes of
    /// ReLU outputs); ranges chosen from each value's own histogram (mse, percentile) do not, and
    /// that made BlazeFace front's int8 model 1.3x slower. The input's range holds every output value.
    /// </summary>
    private static void ShareRangesThroughValuePreservingOps(IEnumerable<NodeProto> nodesInGraphOrder, Dictionary<string, ValueRange> ranges)
    {
        foreach (var n in nodesInGraphOrder)
            if (ValuePreserving.Contains(n.OpType) && ranges.TryGetValue(n.Input[0], out var input) && ranges.ContainsKey(n.Output[0]))
                ranges[n.Output[0]] = input;
    }

    public static bool IsQuantizable(string op) => Weighted.Contains(op) || EveryInput.Contains(op) || FirstInput.Contains(op);

    /// <param name="model">The float model; rewritten in place.</param>
    /// <param name="calibrate">Given a float model and the activations to quantise, returns their ranges.</param>
    /// <param name="channelMaxAbs">Given a float model and tensors, their per-channel largest |value| (for equalisation).</param>
    /// <param name="eightBitNchwMaxPools">Given the QDQ model, the outputs of the max pools the runtime
    /// will run on 8-bit values in NCHW (<see cref="RuntimeLayoutProbe"/>); null: not asked.</param>
    public static QuantizeSummary Quantize(ModelProto model, QuantizeOptions options,
        Func<ModelProto, IReadOnlyCollection<string>, Dictionary<string, ValueRange>> calibrate,
        Func<ModelProto, IReadOnlyCollection<string>, Dictionary<string, float[]>> channelMaxAbs,
        Func<ModelProto, IReadOnlySet<string>>? eightBitNchwMaxPools = null)
    {
        var graph = model.Graph;
        GraphPreparation.ConstantsToInitializers(graph);
        GraphPreparation.FoldBiasAdds(graph);
        int folded = GraphPreparation.FoldBatchNorms(graph);
        GraphPreparation.DivisionByConstantToMul(graph);
        int affines = AffineFolding.Fold(graph);
        int equalized = 0;
        if (options.Equalize)
        {
            var pairs = ChannelEqualization.FindPairs(graph);
            if (pairs.Count > 0) equalized = ChannelEqualization.Apply(graph, pairs, channelMaxAbs(model, pairs.Select(p => p.Tensor).ToList()));
        }
        var floatModel = model.Clone();

        bool Keep(NodeProto n) => options.KeepFloat.Contains(n.Name) || options.KeepFloat.Contains(n.OpType);
        var headInputs = HeadOnlyInputs(graph, n => IsQuantizable(n.OpType) && !Keep(n));
        int removed = RemoveClippingActivations(graph, n => IsQuantizable(n.OpType) && !Keep(n), headInputs);

        var index = new GraphIndex(graph);
        var outputPath = OutputDataMovement(graph, index);
        var nodes = graph.Node.Where(n => IsQuantizable(n.OpType) && !Keep(n) && !outputPath.Contains(n)).ToList();
        var floatValues = outputPath.SelectMany(n => n.Input).ToHashSet();
        // Values read only by output heads stay float too: a head's output is float, so ORT has no
        // integer kernel for it and runs it in float on dequantised values anyway; quantising its
        // input adds only rounding error, which the heads amplify (BlazeFace back's 8x8 score head
        // turned hundreds of background anchors positive from the 8-bit rounding of its input).
        floatValues.UnionWith(headInputs);
        var activations = new HashSet<string>();
        foreach (var n in nodes)
        {
            foreach (int i in ActivationInputs(n))
                if (i < n.Input.Count && n.Input[i].Length > 0 && index.Constant(n.Input[i]) is null) activations.Add(n.Input[i]);
            activations.Add(n.Output[0]);
        }
        activations.RemoveWhere(index.IsGraphOutput);
        // The values that only move into a graph output stay float: a detector's score logits
        // quantised in steps of several units turn many background anchors into exactly 0 (p = 0.5).
        activations.RemoveWhere(floatValues.Contains);

        var ranges = calibrate(floatModel, activations);
        activations.RemoveWhere(t => !ranges.ContainsKey(t));
        var ownRanges = new Dictionary<string, ValueRange>(ranges);
        ShareRangesThroughValuePreservingOps(nodes, ranges);

        string domain = OpsetUpgrade.TryUpgrade(model) ? "" : "com.microsoft";
        if (domain.Length > 0 && !model.OpsetImport.Any(o => o.Domain == domain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = 1 });
        var writer = new QdqWriter(graph, domain, options.UnsignedActivations);

        // Activations: one Q/DQ pair after the producer; every consumer reads the DQ output.
        var actParams = new Dictionary<string, QuantParams>();
        foreach (string t in activations.Order(StringComparer.Ordinal))
        {
            var p = QuantParams.Asymmetric(ranges[t], options.UnsignedActivations);
            actParams[t] = p;
            string dq = writer.QuantizeActivation(t, p);
            foreach (var consumer in graph.Node)
            {
                if (consumer.OpType == "QuantizeLinear" && consumer.Output.Count == 1 && consumer.Output[0] == t + "_quantized") continue;
                for (int i = 0; i < consumer.Input.Count; i++) if (consumer.Input[i] == t) consumer.Input[i] = dq;
            }
        }

        int weights = 0;
        foreach (var n in nodes)
        {
            if (Weighted.Contains(n.OpType) && n.Input.Count > 1 && index.Initializers.TryGetValue(n.Input[1], out var w) && w.DataType == 1)
            {
                if (n.OpType == "ConvTranspose" && GraphIndex.IntAttribute(n, "group", 1) != 1) continue;
                var layout = WeightLayout.Of(n.OpType, w.Dims.ToArray(), GraphIndex.IntAttribute(n, "transB", 0) == 1);
                var (dq, scales) = writer.QuantizeWeightPerChannel(w, layout);
                n.Input[1] = dq;
                weights++;
                // Bias at input scale x weight scale, so the integer kernel adds it to its int32
                // accumulator. Optional: ORT's CPU provider fuses a Conv with a float bias as well
                // and quantises the bias itself the same way (outputs bit-identical), so by default
                // the bias stays float and its per-channel scale tensor and DequantizeLinear go.
                if (options.Int32Biases && n.OpType is "Conv" or "ConvTranspose" && n.Input.Count > 2 && index.Initializers.TryGetValue(n.Input[2], out var b)
                    && actParams.TryGetValue(OriginalName(n.Input[0]), out var xp))
                    n.Input[2] = writer.QuantizeBias(b, scales.Select(s => s * xp.Scale).ToArray());
            }
            else if (EveryInput.Contains(n.OpType))
            {
                for (int i = 0; i < n.Input.Count; i++)
                {
                    if (!index.Initializers.TryGetValue(n.Input[i], out var c) || c.DataType != 1) continue;
                    float[] values = TensorData.ReadFloats(c);
                    if (values.Length == 0) continue;
                    var p = QuantParams.Asymmetric(new ValueRange(values.Min(), values.Max()), options.UnsignedActivations);
                    n.Input[i] = writer.QuantizeConstant(c, values, p);
                    weights++;
                }
            }
        }
        int unshared = eightBitNchwMaxPools is null ? 0 : UnshareSlowPools(graph, nodes, ranges, ownRanges, eightBitNchwMaxPools(model), options.UnsignedActivations);
        GraphPreparation.RemoveUnusedInitializers(graph);
        if (options.CompactNames)
        {
            NameCompaction.Compact(graph);
            GraphSlimming.DropDefaultAttributes(graph);
            GraphSlimming.ShareScalarConstants(graph);
        }
        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = "edgecam.quantization",
            Value = $"QDQ static, weights int8 symmetric per-channel, activations {(options.UnsignedActivations ? "uint8" : "int8")}, biases {(options.Int32Biases ? "int32" : "float")}, " +
                    $"calibration {options.Method}{(options.Method == CalibrationMethod.Percentile ? $" {options.Percentile}" : "")}",
        });
        return new QuantizeSummary(nodes.Count, weights, activations.Count, removed, folded, equalized, domain.Length == 0 ? "ai.onnx" : domain) { FoldedAffines = affines, UnsharedPools = unshared };
    }

    /// <summary>
    /// A max pool whose range is shared runs on 8-bit values; ORT's NHWC uint8 pool is fast, but
    /// where its NHWC region has ended it runs the generic NCHW 8-bit MaxPool, 5x slower than
    /// float's (the OCR classifier's last pool: 0.105 against 0.019 ms). Those pools get their own
    /// output range back, so ORT keeps DQ -> float MaxPool -> Q. Which pools these are depends on
    /// how far ORT's transpose optimiser carries NHWC, so the runtime is asked, not guessed.
    /// A Reshape/Flatten right after such a pool keeps the range it shared (still correct: ORT then
    /// requantises there); no model measured has one.
    /// </summary>
    private static int UnshareSlowPools(GraphProto graph, IEnumerable<NodeProto> nodes, Dictionary<string, ValueRange> shared,
        Dictionary<string, ValueRange> own, IReadOnlySet<string> slowPoolOutputs, bool unsignedActivations)
    {
        int count = 0;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var pool in nodes.Where(n => n.OpType == "MaxPool"))
        {
            string t = pool.Output[0];
            if (!slowPoolOutputs.Contains(t) && !slowPoolOutputs.Contains(t + "_quantized")) continue;
            if (!own.TryGetValue(t, out var range) || !shared.TryGetValue(t, out var sharedRange) || range == sharedRange) continue;
            if (!initializers.TryGetValue(t + "_scale", out var scale) || !initializers.TryGetValue(t + "_zero_point", out var zero)) continue;
            var p = QuantParams.Asymmetric(range, unsignedActivations);
            graph.Initializer[graph.Initializer.IndexOf(scale)] = TensorData.Floats(scale.Name, [p.Scale]);
            graph.Initializer[graph.Initializer.IndexOf(zero)] = QdqWriter.ZeroPoint(zero.Name, [p.ZeroPoint], unsignedActivations);
            count++;
        }
        return count;
    }

    private static readonly HashSet<string> DataMovement = ["Concat", "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Identity"];

    /// <summary>Nodes that only move data into a graph output (Concat/Reshape/Transpose chains after the heads).</summary>
    private static HashSet<NodeProto> OutputDataMovement(GraphProto graph, GraphIndex index)
    {
        var found = new HashSet<NodeProto>();
        var pending = new Stack<string>(graph.Output.Select(o => o.Name));
        while (pending.Count > 0)
        {
            if (index.Producer(pending.Pop()) is not { } n || !DataMovement.Contains(n.OpType) || !found.Add(n)) continue;
            foreach (string i in n.Input) if (index.Constant(i) is null) pending.Push(i);
        }
        return found;
    }

    /// <summary>
    /// The activations whose every reader is an output head: a quantisable operator whose output
    /// only moves (Concat/Reshape/Transpose...) into graph outputs, or is one.
    /// </summary>
    private static HashSet<string> HeadOnlyInputs(GraphProto graph, Func<NodeProto, bool> quantisable)
    {
        var index = new GraphIndex(graph);
        var outputPath = OutputDataMovement(graph, index);
        var floatValues = outputPath.SelectMany(n => n.Input).ToHashSet();
        var heads = graph.Node.Where(n => quantisable(n) && !outputPath.Contains(n)
            && n.Output.All(o => floatValues.Contains(o) || index.IsGraphOutput(o))).ToHashSet();
        var result = new HashSet<string>();
        foreach (var head in heads)
            foreach (string x in head.Input)
                if (index.Constant(x) is null && !index.IsInitializer(x) && index.Consumers(x).All(c => heads.Contains(c) || outputPath.Contains(c)))
                    result.Add(x);
        // ... and through a ReLU/Clip in front of them (it stays, as nothing quantised follows it).
        foreach (string x in result.ToList())
            if (index.Producer(x) is { OpType: "Relu" or "Clip" } act && index.Consumers(act.Input[0]).Count == 1 && !index.IsGraphOutput(act.Input[0]))
                result.Add(act.Input[0]);
        return result;
    }

    /// <summary>Which inputs of an operator are activations to quantise.</summary>
    private static IEnumerable<int> ActivationInputs(NodeProto n) =>
        Weighted.Contains(n.OpType) ? [0, 1] : EveryInput.Contains(n.OpType) ? Enumerable.Range(0, n.Input.Count) : [0];

    private static string OriginalName(string dqOutput) => dqOutput.EndsWith("_dequantized", StringComparison.Ordinal) ? dqOutput[..^"_dequantized".Length] : dqOutput;

    /// <summary>
    /// Drops Relu and Clip (lower bound &lt;= 0 &lt;= upper bound) whose input comes only from an
    /// operator that will be quantised: the producer writes the activation's output name, whose
    /// range is calibrated after the clip.
    /// </summary>
    private static int RemoveClippingActivations(GraphProto graph, Func<NodeProto, bool> quantised, IReadOnlySet<string> staysFloat)
    {
        int removed = 0;
        var index = new GraphIndex(graph);
        foreach (var act in graph.Node.Where(n => n.OpType is "Relu" or "Clip").ToList())
        {
            if (!ClipsAroundZero(act, index) || staysFloat.Contains(act.Output[0])) continue;
            string x = act.Input[0];
            if (index.Producer(x) is not { } producer || !quantised(producer) || producer.Output[0] != x) continue;
            if (index.Consumers(x).Count != 1 || index.IsGraphOutput(x) || index.IsGraphOutput(act.Output[0])) continue;
            producer.Output[0] = act.Output[0];
            graph.Node.Remove(act);
            removed++;
            index = new GraphIndex(graph);
        }
        return removed;
    }

    private static bool ClipsAroundZero(NodeProto act, GraphIndex index)
    {
        if (act.OpType == "Relu") return true;
        float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
        if (act.Attribute.FirstOrDefault(a => a.Name == "min") is { } amin) lo = amin.F;
        if (act.Attribute.FirstOrDefault(a => a.Name == "max") is { } amax) hi = amax.F;
        if (act.Input.Count > 1 && act.Input[1].Length > 0)
        {
            if (index.Constant(act.Input[1]) is not { DataType: 1 } t) return false;
            lo = TensorData.ReadFloats(t)[0];
        }
        if (act.Input.Count > 2 && act.Input[2].Length > 0)
        {
            if (index.Constant(act.Input[2]) is not { DataType: 1 } t) return false;
            hi = TensorData.ReadFloats(t)[0];
        }
        return lo <= 0 && hi >= 0;
    }
}
