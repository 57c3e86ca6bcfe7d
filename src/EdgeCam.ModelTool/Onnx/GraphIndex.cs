using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Onnx;

/// <summary>Lookups over one graph: initializers by name, the node producing each value, the
/// nodes consuming it. Built once; rebuild after editing the graph.</summary>
public sealed class GraphIndex
{
    public GraphProto Graph { get; }
    public IReadOnlyDictionary<string, TensorProto> Initializers { get; }
    private readonly Dictionary<string, NodeProto> _producer = new();
    private readonly Dictionary<string, List<NodeProto>> _consumers = new();
    private readonly HashSet<string> _graphOutputs;

    public GraphIndex(GraphProto graph)
    {
        Graph = graph;
        var inits = new Dictionary<string, TensorProto>();
        foreach (var t in graph.Initializer) inits[t.Name] = t;
        Initializers = inits;
        foreach (var node in graph.Node)
        {
            foreach (string o in node.Output) if (o.Length > 0) _producer[o] = node;
            foreach (string i in node.Input)
            {
                if (i.Length == 0) continue;
                if (!_consumers.TryGetValue(i, out var list)) _consumers[i] = list = [];
                if (!list.Contains(node)) list.Add(node);
            }
        }
        _graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
    }

    public NodeProto? Producer(string value) => _producer.GetValueOrDefault(value);
    public IReadOnlyList<NodeProto> Consumers(string value) => _consumers.TryGetValue(value, out var l) ? l : [];
    public bool IsGraphOutput(string value) => _graphOutputs.Contains(value);
    public bool IsInitializer(string value) => Initializers.ContainsKey(value);

    /// <summary>A constant: an initializer, or the output of a Constant node.</summary>
    public TensorProto? Constant(string value)
    {
        if (Initializers.TryGetValue(value, out var t)) return t;
        if (Producer(value) is { OpType: "Constant" } c && c.Attribute.FirstOrDefault(a => a.Name == "value") is { T: { } v }) return v;
        return null;
    }

    public static long IntAttribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    public static IReadOnlyList<long> IntsAttribute(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.Ints : [];

    public static string? StringAttribute(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.S.ToStringUtf8() : null;
}
