using EdgeCam.ModelTool.Graph;
using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Quantization;

/// <summary>Adds QuantizeLinear/DequantizeLinear nodes and quantised initializers to a graph.</summary>
internal sealed class QdqWriter(GraphProto graph, string domain, bool unsignedActivations)
{
    private readonly Dictionary<string, string> _quantizedWeights = new();
    private int _nodeInsertAt;

    /// <returns>The name of the dequantised value consumers should read.</returns>
    public string QuantizeActivation(string tensor, QuantParams p)
    {
        string scale = tensor + "_scale", zero = tensor + "_zero_point";
        graph.Initializer.Add(TensorData.Floats(scale, [p.Scale]));
        graph.Initializer.Add(ZeroPoint(zero, [p.ZeroPoint], unsignedActivations));
        string q = tensor + "_quantized", dq = tensor + "_dequantized";
        AddAfterProducer(tensor, Node("QuantizeLinear", tensor + "_QuantizeLinear", [tensor, scale, zero], q),
            Node("DequantizeLinear", tensor + "_DequantizeLinear", [q, scale, zero], dq));
        return dq;
    }

    /// <returns>The DQ output to use as the weight, and the per-channel scales.</returns>
    public (string Dq, float[] Scales) QuantizeWeightPerChannel(TensorProto w, WeightLayout layout)
    {
        float[] values = TensorData.ReadFloats(w);
        int channels = layout.OutChannels;
        var maxAbs = new float[channels];
        for (long i = 0; i < values.LongLength; i++)
        {
            int c = layout.ChannelOf(i);
            maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(values[i]));
        }
        var scales = maxAbs.Select(m => QuantParams.Symmetric(m).Scale).ToArray();
        if (_quantizedWeights.TryGetValue(w.Name, out string? existing)) return (existing, scales);
        var codes = new sbyte[values.Length];
        for (long i = 0; i < values.LongLength; i++)
            codes[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scales[layout.ChannelOf(i)]), -127, 127);
        string q = w.Name + "_quantized", scale = w.Name + "_scale", dq = w.Name + "_dequantized";
        graph.Initializer.Add(TensorData.Int8s(q, codes, w.Dims.ToArray()));
        graph.Initializer.Add(TensorData.Floats(scale, scales, channels));
        // No zero point: DequantizeLinear's default is 0 of the input's type (int8), which is what
        // symmetric weights have; omitting it saves a tensor per layer.
        var node = Node("DequantizeLinear", w.Name + "_DequantizeLinear", [q, scale], dq);
        node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = layout.Axis });
        graph.Node.Insert(0, node);
        _nodeInsertAt++;
        _quantizedWeights[w.Name] = dq;
        return (dq, scales);
    }

    public string QuantizeBias(TensorProto b, float[] scales)
    {
        float[] values = TensorData.ReadFloats(b);
        var codes = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
            codes[i] = (int)Math.Clamp(Math.Round(values[i] / (double)scales[i]), int.MinValue + 1, int.MaxValue);
        string name = b.Name + "_" + graph.Initializer.Count;
        string q = name + "_quantized", scale = name + "_scale", dq = name + "_dequantized";
        graph.Initializer.Add(TensorData.Int32s(q, codes, values.Length));
        graph.Initializer.Add(TensorData.Floats(scale, scales, values.Length));
        // No zero point: an int32 bias's is 0, DequantizeLinear's default (a tensor of zeros
        // per channel would be as large as the bias itself).
        var node = Node("DequantizeLinear", name + "_DequantizeLinear", [q, scale], dq);
        node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        graph.Node.Insert(0, node);
        _nodeInsertAt++;
        return dq;
    }

    /// <summary>A constant operand of Add/Mul/Concat, in the activation type (the integer kernels want one type).</summary>
    public string QuantizeConstant(TensorProto c, float[] values, QuantParams p)
    {
        if (_quantizedWeights.TryGetValue(c.Name, out string? existing)) return existing;
        int qmin = unsignedActivations ? 0 : -128, qmax = unsignedActivations ? 255 : 127;
        var codes = values.Select(v => p.Quantize(v, qmin, qmax)).ToArray();
        string q = c.Name + "_quantized", scale = c.Name + "_scale", zero = c.Name + "_zero_point", dq = c.Name + "_dequantized";
        graph.Initializer.Add(unsignedActivations
            ? TensorData.UInt8s(q, codes.Select(v => (byte)v).ToArray(), c.Dims.ToArray())
            : TensorData.Int8s(q, codes.Select(v => (sbyte)v).ToArray(), c.Dims.ToArray()));
        graph.Initializer.Add(TensorData.Floats(scale, [p.Scale]));
        graph.Initializer.Add(ZeroPoint(zero, [p.ZeroPoint], unsignedActivations));
        graph.Node.Insert(0, Node("DequantizeLinear", c.Name + "_DequantizeLinear", [q, scale, zero], dq));
        _nodeInsertAt++;
        _quantizedWeights[c.Name] = dq;
        return dq;
    }

    internal static TensorProto ZeroPoint(string name, int[] values, bool unsigned) => unsigned
        ? TensorData.UInt8s(name, values.Select(v => (byte)v).ToArray())
        : TensorData.Int8s(name, values.Select(v => (sbyte)v).ToArray());

    private NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var n = new NodeProto { OpType = op, Name = name };
        if (domain.Length > 0) n.Domain = domain;
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        return n;
    }

    /// <summary>Keeps the node list topologically sorted: the pair goes right after the value's producer
    /// (or first, for a graph input).</summary>
    private void AddAfterProducer(string tensor, NodeProto q, NodeProto dq)
    {
        int at = _nodeInsertAt;
        for (int i = 0; i < graph.Node.Count; i++)
            if (graph.Node[i].Output.Contains(tensor)) { at = i + 1; break; }
        graph.Node.Insert(at, q);
        graph.Node.Insert(at + 1, dq);
    }
}
