using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Graph;

/// <summary>
/// Float-exact (up to rounding) rewrites done before quantising or pruning, so that weights are
/// initializers and every Conv carries its bias and BatchNorm: Constant nodes become initializers,
/// a per-channel constant Add after Conv/ConvTranspose (how paddle2onnx writes a bias) and
/// BatchNormalization after Conv/ConvTranspose are folded into the weights and bias, division
/// by a constant becomes multiplication (ORT has an integer Mul, not an integer Div), and constant
/// scales and offsets next to a Conv fold into it (<see cref="AffineFolding"/>).
/// </summary>
public static class GraphPreparation
{
    public static void Prepare(ModelProto model)
    {
        ConstantsToInitializers(model.Graph);
        FoldBiasAdds(model.Graph);
        FoldBatchNorms(model.Graph);
        DivisionByConstantToMul(model.Graph);
        AffineFolding.Fold(model.Graph);
    }

    public static void ConstantsToInitializers(GraphProto graph)
    {
        var outputs = graph.Output.Select(o => o.Name).ToHashSet();
        foreach (var node in graph.Node.Where(n => n.OpType == "Constant" && n.Output.Count == 1 && !outputs.Contains(n.Output[0])).ToList())
        {
            if (node.Attribute.FirstOrDefault(a => a.Name == "value") is not { T: { } tensor }) continue;
            var init = tensor.Clone();
            init.Name = node.Output[0];
            graph.Initializer.Add(init);
            graph.Node.Remove(node);
        }
    }

    /// <summary>Folds Add(Conv or ConvTranspose output, constant of shape [C,1,1] or [1,C,1,1] or one value)
    /// into the layer's bias: one element-wise pass over the layer's output less, and a BatchNorm
    /// after it becomes foldable too.</summary>
    /// <returns>How many Adds were folded.</returns>
    public static int FoldBiasAdds(GraphProto graph)
    {
        int folded = 0;
        var index = new GraphIndex(graph);
        foreach (var add in graph.Node.Where(n => n.OpType == "Add" && n.Input.Count == 2).ToList())
        {
            int side = index.Producer(add.Input[0]) is { OpType: "Conv" or "ConvTranspose" } ? 0 : 1;
            if (index.Producer(add.Input[side]) is not { OpType: "Conv" or "ConvTranspose" } conv) continue;
            if (index.Consumers(conv.Output[0]).Count != 1 || index.IsGraphOutput(conv.Output[0]) || conv.Output.Count != 1) continue;
            if (index.Initializers.GetValueOrDefault(add.Input[1 - side]) is not { DataType: 1 } constant) continue;
            if (conv.Input.Count < 2 || !index.Initializers.TryGetValue(conv.Input[1], out var weight) || weight.Dims.Count != 4) continue;
            if (conv.OpType == "ConvTranspose" && GraphIndex.IntAttribute(conv, "group", 1) != 1) continue;
            int channels = WeightLayout.Of(conv.OpType, weight.Dims.ToArray()).OutChannels;
            if (AffineFolding.PerOutputChannel(constant, channels, weight.Dims.Count) is not { } offsets) continue;
            float[] bias = BiasOf(index, conv, channels);
            for (int k = 0; k < channels; k++) bias[k] += offsets[k];
            SetBias(graph, index, conv, bias, "_bias");
            Absorb(graph, conv, add);
            folded++;
            index = new GraphIndex(graph);
        }
        RemoveUnusedInitializers(graph);
        return folded;
    }

    /// <summary>The layer takes the new bias and the output of the node folded into it, which goes.</summary>
    /// <summary>A Conv's or ConvTranspose's bias values, zeros when it has none.</summary>
    internal static float[] BiasOf(GraphIndex index, NodeProto conv, int channels) =>
        conv.Input.Count > 2 && conv.Input[2].Length > 0 && index.Initializers.TryGetValue(conv.Input[2], out var b)
            ? TensorData.ReadFloats(b) : new float[channels];

    /// <summary>Gives the layer a new bias initializer (named after the layer + suffix).</summary>
    internal static void SetBias(GraphProto graph, GraphIndex index, NodeProto conv, float[] bias, string suffix)
    {
        string name = Unique(index, (conv.Name.Length > 0 ? conv.Name : conv.Output[0]) + suffix);
        graph.Initializer.Add(TensorData.Floats(name, bias, bias.Length));
        if (conv.Input.Count > 2) conv.Input[2] = name; else conv.Input.Add(name);
    }

    /// <summary>The layer takes over the folded node's output, and the node goes.</summary>
    private static void Absorb(GraphProto graph, NodeProto conv, NodeProto folded)
    {
        conv.Output[0] = folded.Output[0];
        graph.Node.Remove(folded);
    }

    /// <returns>How many BatchNormalization nodes were folded.</returns>
    public static int FoldBatchNorms(GraphProto graph)
    {
        int folded = 0;
        var index = new GraphIndex(graph);
        foreach (var bn in graph.Node.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            if (index.Producer(bn.Input[0]) is not { OpType: "Conv" or "ConvTranspose" } conv) continue;
            if (index.Consumers(conv.Output[0]).Count != 1 || index.IsGraphOutput(conv.Output[0])) continue;
            if (bn.Output.Count > 1 && bn.Output.Skip(1).Any(o => o.Length > 0)) continue; // training-mode outputs
            if (!index.Initializers.TryGetValue(conv.Input[1], out var weightInit)) continue;
            var parts = bn.Input.Skip(1).Take(4).Select(index.Initializers.GetValueOrDefault).ToList();
            if (parts.Any(p => p is null)) continue;
            float[] gamma = TensorData.ReadFloats(parts[0]!), beta = TensorData.ReadFloats(parts[1]!);
            float[] mean = TensorData.ReadFloats(parts[2]!), variance = TensorData.ReadFloats(parts[3]!);
            float epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            long group = GraphIndex.IntAttribute(conv, "group", 1);
            if (conv.OpType == "ConvTranspose" && group != 1) continue;

            float[] w = TensorData.ReadFloats(weightInit);
            int outChannels = gamma.Length;
            var layout = WeightLayout.Of(conv.OpType, weightInit.Dims.ToArray());
            if (layout.OutChannels != outChannels) continue;
            float[] bias = BiasOf(index, conv, outChannels);
            var factor = new float[outChannels];
            for (int c = 0; c < outChannels; c++)
            {
                factor[c] = gamma[c] / MathF.Sqrt(variance[c] + epsilon);
                bias[c] = (bias[c] - mean[c]) * factor[c] + beta[c];
            }
            layout.ScaleOutputChannels(w, factor);

            string weightName = Unique(index, conv.Input[1] + "_bn");
            graph.Initializer.Add(TensorData.Floats(weightName, w, weightInit.Dims.ToArray()));
            conv.Input[1] = weightName;
            SetBias(graph, index, conv, bias, "_bn_bias");
            Absorb(graph, conv, bn);
            folded++;
            index = new GraphIndex(graph);
        }
        RemoveUnusedInitializers(graph);
        return folded;
    }

    public static void DivisionByConstantToMul(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        foreach (var div in graph.Node.Where(n => n.OpType == "Div").ToList())
        {
            if (index.Initializers.GetValueOrDefault(div.Input[1]) is not { DataType: 1 } divisor) continue;
            float[] values = TensorData.ReadFloats(divisor);
            if (values.Any(v => v == 0 || !float.IsFinite(v))) continue;
            string name = Unique(index, div.Input[1] + "_reciprocal");
            graph.Initializer.Add(TensorData.Floats(name, values.Select(v => 1f / v).ToArray(), divisor.Dims.ToArray()));
            div.OpType = "Mul";
            div.Input[1] = name;
            index = new GraphIndex(graph);
        }
        RemoveUnusedInitializers(graph);
    }

    public static void RemoveUnusedInitializers(GraphProto graph)
    {
        var used = graph.Node.SelectMany(AllInputs).Concat(graph.Output.Select(o => o.Name)).ToHashSet();
        var inputs = graph.Input.Select(i => i.Name).ToHashSet();
        foreach (var init in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
        {
            graph.Initializer.Remove(init);
            if (inputs.Contains(init.Name))
                foreach (var i in graph.Input.Where(i => i.Name == init.Name).ToList()) graph.Input.Remove(i);
        }
    }

    /// <summary>Inputs of a node including those of its subgraphs (If/Loop bodies).</summary>
    private static IEnumerable<string> AllInputs(NodeProto node) =>
        node.Input.Concat(node.Attribute.SelectMany(a => (a.G is null ? a.Graphs : a.Graphs.Append(a.G)).SelectMany(g => g.Node.SelectMany(AllInputs))));

    public static string Unique(GraphIndex index, string name)
    {
        string candidate = name;
        for (int i = 1; index.IsInitializer(candidate) || index.Producer(candidate) is not null; i++) candidate = $"{name}_{i}";
        return candidate;
    }
}
