using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Graph;

/// <summary>
/// Folds constant scales and offsets into the convolutions next to them, exactly (up to float
/// rounding). PaddleOCR's PP-LCNetV3 backbone (the OCR detector) follows every Conv with a
/// learnable scalar affine (Mul, Add) and every h-swish with another, and writes h-swish's /6 as
/// its own Div: 110 element-wise operators on full-resolution tensors, each a separate integer
/// pass in the int8 model (over 40% of its time, `eval --profile`), that the weights can carry:
/// <list type="bullet">
/// <item>Conv -> Mul(c): c, scalar or per output channel, scales the weights and bias.</item>
/// <item>Mul(Mul(x, a), b), a and b scalars: one Mul(x, ab).</item>
/// <item>Mul(x, a) -> Add(b) -> Conv: becomes Add(x, b/a) -> Conv with a in the weights (zero
/// padding commutes with scaling).</item>
/// <item>Add(x, b) -> Conv without padding: b, through the weights, adds to the bias (with padding
/// the border pixels would see b where the padding is 0, so that Add stays).</item>
/// </list>
/// Constant Adds right after a Conv fold into its bias (<see cref="GraphPreparation.FoldBiasAdds"/>).
/// A lone Mul(x, a) -> Conv (the OCR classifier's h-swish /6) is left alone: folded, the
/// classifier's int8 model was 1.10x faster with the same output error, but one more borderline
/// text line of 190 flipped, which put its agreement with float under the 98% it must keep.
/// Each rewrite needs the value in between to have no other reader and not to be a graph output.
/// </summary>
public static class AffineFolding
{
    /// <returns>How many operators were removed.</returns>
    public static int Fold(GraphProto graph)
    {
        int removed = 0;
        for (int pass = 0; pass < 8; pass++)
        {
            int before = graph.Node.Count;
            FoldScalesIntoProducers(graph);
            GraphPreparation.FoldBiasAdds(graph);
            MergeScalarMuls(graph);
            FoldIntoConsumers(graph);
            int now = before - graph.Node.Count;
            removed += now;
            if (now == 0) break;
        }
        GraphPreparation.RemoveUnusedInitializers(graph);
        return removed;
    }

    /// <summary>A float constant with one value (rank 0 or every dimension 1) no deeper than
    /// <paramref name="maxRank"/>, so that it cannot widen what it is broadcast with.</summary>
    internal static bool IsScalar(TensorProto? t, int maxRank, out float value)
    {
        value = 0;
        if (t is not { DataType: 1 } || t.Dims.Count > maxRank || t.Dims.Any(d => d != 1)) return false;
        value = TensorData.ReadFloats(t)[0];
        return float.IsFinite(value);
    }

    /// <summary>A constant's value for each of a layer's output channels when it has one per channel
    /// ([C,1,1] or [1,C,1,1]; [C] alone would broadcast along the width) or one for all; else null.</summary>
    internal static float[]? PerOutputChannel(TensorProto constant, int channels, int maxRank)
    {
        long[] dims = constant.Dims.ToArray();
        if (constant.DataType == 1 && (dims is [var c3, 1, 1] && c3 == channels || dims is [1, var c4, 1, 1] && c4 == channels))
            return TensorData.ReadFloats(constant);
        return IsScalar(constant, maxRank, out float single) ? Enumerable.Repeat(single, channels).ToArray() : null;
    }

    /// <summary>The constant input of a two-input node and the index of the other.</summary>
    private static (TensorProto? Constant, int Other) ConstantOperand(GraphIndex index, NodeProto n)
    {
        if (n.Input.Count != 2) return (null, -1);
        if (index.Initializers.GetValueOrDefault(n.Input[1]) is { } c1) return (c1, 0);
        if (index.Initializers.GetValueOrDefault(n.Input[0]) is { } c0) return (c0, 1);
        return (null, -1);
    }

    private static bool OnlyReader(GraphIndex index, string value, NodeProto reader) =>
        !index.IsGraphOutput(value) && index.Consumers(value) is [var only] && only == reader;

    private static void FoldScalesIntoProducers(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        foreach (var mul in graph.Node.Where(n => n.OpType == "Mul").ToList())
        {
            var (constant, other) = ConstantOperand(index, mul);
            if (constant is null || index.Producer(mul.Input[other]) is not { OpType: "Conv" or "ConvTranspose" } conv) continue;
            if (conv.Output.Count != 1 || !OnlyReader(index, conv.Output[0], mul)) continue;
            if (!index.Initializers.TryGetValue(conv.Input[1], out var weight) || weight.DataType != 1) continue;
            if (conv.OpType == "ConvTranspose" && GraphIndex.IntAttribute(conv, "group", 1) != 1) continue;
            var layout = WeightLayout.Of(conv.OpType, weight.Dims.ToArray());
            if (PerOutputChannel(constant, layout.OutChannels, weight.Dims.Count) is not { } factor || factor.Any(f => !float.IsFinite(f))) continue;

            float[] w = TensorData.ReadFloats(weight);
            layout.ScaleOutputChannels(w, factor);
            string weightName = GraphPreparation.Unique(index, conv.Input[1] + "_scaled");
            graph.Initializer.Add(TensorData.Floats(weightName, w, weight.Dims.ToArray()));
            conv.Input[1] = weightName;
            if (conv.Input.Count > 2 && conv.Input[2].Length > 0 && index.Initializers.TryGetValue(conv.Input[2], out var b))
            {
                float[] bias = TensorData.ReadFloats(b);
                for (int k = 0; k < bias.Length; k++) bias[k] *= factor[k];
                string biasName = GraphPreparation.Unique(index, conv.Input[2] + "_scaled");
                graph.Initializer.Add(TensorData.Floats(biasName, bias, bias.Length));
                conv.Input[2] = biasName;
            }
            conv.Output[0] = mul.Output[0];
            graph.Node.Remove(mul);
            index = new GraphIndex(graph);
        }
    }

    private static void MergeScalarMuls(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        foreach (var outer in graph.Node.Where(n => n.OpType == "Mul").ToList())
        {
            var (b, other) = ConstantOperand(index, outer);
            if (!IsScalar(b, 8, out float bv) || index.Producer(outer.Input[other]) is not { OpType: "Mul" } inner) continue;
            var (a, innerOther) = ConstantOperand(index, inner);
            if (!IsScalar(a, 8, out float av) || !OnlyReader(index, inner.Output[0], outer)) continue;
            // The product keeps the deeper of the two shapes, so the output's shape is unchanged.
            var dims = (a!.Dims.Count >= b!.Dims.Count ? a : b).Dims.ToArray();
            string name = GraphPreparation.Unique(index, inner.Input[1 - innerOther] + "_times_" + outer.Input[1 - other]);
            graph.Initializer.Add(TensorData.Floats(name, [av * bv], dims));
            inner.Input[1 - innerOther] = name;
            inner.Output[0] = outer.Output[0];
            graph.Node.Remove(outer);
            index = new GraphIndex(graph);
        }
    }

    private static void FoldIntoConsumers(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        foreach (var node in graph.Node.Where(n => n.OpType == "Add").ToList())
        {
            var (constant, other) = ConstantOperand(index, node);
            if (constant is null || index.Consumers(node.Output[0]) is not [{ OpType: "Conv" } conv] || index.IsGraphOutput(node.Output[0])) continue;
            if (conv.Input[0] != node.Output[0] || !index.Initializers.TryGetValue(conv.Input[1], out var weight) || weight.DataType != 1) continue;
            if (!IsScalar(constant, weight.Dims.Count, out float value)) continue;
            if (index.Producer(node.Input[other]) is { OpType: "Mul" } mul && OnlyReader(index, mul.Output[0], node)
                && ConstantOperand(index, mul) is var (scaleConstant, mulOther) && IsScalar(scaleConstant, weight.Dims.Count, out float scale) && scale != 0)
            {
                // (x * a) + b = (x + b / a) * a: the scale moves into the weights, the Add stays in front.
                string offset = GraphPreparation.Unique(index, node.Input[1 - other] + "_over_" + mul.Input[1 - mulOther]);
                graph.Initializer.Add(TensorData.Floats(offset, [value / scale], constant.Dims.ToArray()));
                node.Input[1 - other] = offset;
                node.Input[other] = mul.Input[mulOther];
                graph.Node.Remove(mul);
                ScaleWeights(graph, index, conv, weight, scale);
            }
            else if (Unpadded(conv))
            {
                // Conv(x + b) = Conv(x) + b * (the sum of each output channel's weights).
                var layout = WeightLayout.Of("Conv", weight.Dims.ToArray());
                float[] w = TensorData.ReadFloats(weight);
                float[] bias = GraphPreparation.BiasOf(index, conv, layout.OutChannels);
                var sums = new double[bias.Length];
                for (long i = 0; i < w.LongLength; i++) sums[layout.ChannelOf(i)] += w[i];
                for (int k = 0; k < bias.Length; k++) bias[k] += (float)(value * sums[k]);
                GraphPreparation.SetBias(graph, index, conv, bias, "_bias");
                conv.Input[0] = node.Input[other];
                graph.Node.Remove(node);
            }
            else continue;
            index = new GraphIndex(graph);
        }
    }

    private static void ScaleWeights(GraphProto graph, GraphIndex index, NodeProto conv, TensorProto weight, float factor)
    {
        float[] w = TensorData.ReadFloats(weight);
        for (long i = 0; i < w.LongLength; i++) w[i] *= factor;
        string name = GraphPreparation.Unique(index, conv.Input[1] + "_scaled");
        graph.Initializer.Add(TensorData.Floats(name, w, weight.Dims.ToArray()));
        conv.Input[1] = name;
    }

    private static bool Unpadded(NodeProto conv) =>
        (GraphIndex.StringAttribute(conv, "auto_pad") ?? "NOTSET") is "NOTSET" or "VALID" && GraphIndex.IntsAttribute(conv, "pads").All(p => p == 0);
}
