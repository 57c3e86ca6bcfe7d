using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Graph;

/// <summary>
/// Activation-aware cross-layer equalisation (after Nagel et al. 2019, "Data-Free Quantization",
/// with measured activation ranges): where Conv A feeds Conv B directly or through a ReLU, output
/// channel c of A is divided by s_c and input channel c of B multiplied by s_c. ReLU commutes with
/// a positive scale, so the float model computes the same function. With s_c = sqrt(a_c / w_c)
/// (a_c: channel c's largest activation, w_c: B's largest weight on it), the channels of the
/// activation and B's weights end up with balanced ranges, so one per-tensor int8 scale fits all
/// channels instead of being stretched by a few (depthwise outputs in MobileNet-style models
/// range over +-1500 in some channels and +-10 in others).
/// </summary>
public static class ChannelEqualization
{
    public sealed record Pair(NodeProto Producer, NodeProto Consumer, string Tensor);

    public static List<Pair> FindPairs(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        var pairs = new List<Pair>();
        foreach (var b in graph.Node.Where(n => n.OpType == "Conv" && GraphIndex.IntAttribute(n, "group", 1) == 1 && index.IsInitializer(n.Input[1])))
        {
            string x = b.Input[0];
            if (index.Consumers(x).Count != 1 || index.IsGraphOutput(x)) continue;
            var p = index.Producer(x);
            string between = x;
            if (p is { OpType: "Relu" })
            {
                between = p.Input[0];
                if (index.Consumers(between).Count != 1 || index.IsGraphOutput(between)) continue;
                p = index.Producer(between);
            }
            if (p is not { OpType: "Conv" } || !index.IsInitializer(p.Input[1])) continue;
            pairs.Add(new Pair(p, b, x));
        }
        return pairs;
    }

    /// <returns>How many pairs were rescaled.</returns>
    public static int Apply(GraphProto graph, List<Pair> pairs, IReadOnlyDictionary<string, float[]> channelMaxAbs)
    {
        var index = new GraphIndex(graph);
        int applied = 0;
        foreach (var (a, b, tensor) in pairs)
        {
            if (!channelMaxAbs.TryGetValue(tensor, out var act)) continue;
            var wa = index.Initializers[a.Input[1]];
            var wb = index.Initializers[b.Input[1]];
            int channels = act.Length;
            if (wa.Dims[0] != channels || wb.Dims[1] != channels) continue;
            float[] wbValues = TensorData.ReadFloats(wb);
            long perIn = wb.Dims.Skip(2).Aggregate(1L, (x, y) => x * y);
            long outB = wb.Dims[0];
            var wMax = new float[channels];
            for (long o = 0; o < outB; o++)
                for (int c = 0; c < channels; c++)
                    for (long k = 0; k < perIn; k++)
                        wMax[c] = Math.Max(wMax[c], Math.Abs(wbValues[(o * channels + c) * perIn + k]));
            var s = new float[channels];
            for (int c = 0; c < channels; c++)
                s[c] = act[c] > 0 && wMax[c] > 0 ? Math.Clamp(MathF.Sqrt(act[c] / wMax[c]), 1e-3f, 1e3f) : 1f;

            // A: divide output channel c (weights and bias).
            float[] waValues = TensorData.ReadFloats(wa);
            long perOutA = waValues.LongLength / channels;
            for (long i = 0; i < waValues.LongLength; i++) waValues[i] /= s[i / perOutA];
            Replace(graph, index, a, 1, TensorData.Floats(Unique(index, a.Input[1] + "_eq"), waValues, wa.Dims.ToArray()));
            if (a.Input.Count > 2 && a.Input[2].Length > 0 && index.Initializers.TryGetValue(a.Input[2], out var bias))
            {
                float[] bv = TensorData.ReadFloats(bias);
                for (int c = 0; c < channels; c++) bv[c] /= s[c];
                Replace(graph, index, a, 2, TensorData.Floats(Unique(index, a.Input[2] + "_eq"), bv, bias.Dims.ToArray()));
            }
            // B: multiply input channel c.
            for (long o = 0; o < outB; o++)
                for (int c = 0; c < channels; c++)
                    for (long k = 0; k < perIn; k++)
                        wbValues[(o * channels + c) * perIn + k] *= s[c];
            Replace(graph, index, b, 1, TensorData.Floats(Unique(index, b.Input[1] + "_eq"), wbValues, wb.Dims.ToArray()));
            applied++;
            index = new GraphIndex(graph);
        }
        GraphPreparation.RemoveUnusedInitializers(graph);
        return applied;
    }

    private static void Replace(GraphProto graph, GraphIndex index, NodeProto node, int input, TensorProto tensor)
    {
        graph.Initializer.Add(tensor);
        node.Input[input] = tensor.Name;
    }

    private static string Unique(GraphIndex index, string name) => GraphPreparation.Unique(index, name);
}
