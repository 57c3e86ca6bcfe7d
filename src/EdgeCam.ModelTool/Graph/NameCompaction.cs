using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Graph;

/// <summary>
/// Gives internal values and initializers short names, drops the names of nodes the toolchain
/// added, intermediate value_info (ONNX Runtime infers it again) and doc strings. In a small
/// quantised model, exporter names ("StatefulPartitionedCall/functional_1/conv2d_3/BiasAdd:0")
/// repeated on every Q/DQ node weigh more than the int8 weights. Graph inputs and outputs keep
/// their names; so do the original layers (inspect and eval show them).
/// </summary>
public static class NameCompaction
{
    public static void Compact(GraphProto graph, ISet<string> addedNodes)
    {
        if (graph.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))) return; // names in subgraphs
        var keep = graph.Input.Select(i => i.Name).Concat(graph.Output.Select(o => o.Name)).ToHashSet();
        var names = new Dictionary<string, string>();
        string Short(string name)
        {
            if (name.Length == 0 || keep.Contains(name)) return name;
            if (!names.TryGetValue(name, out string? s)) names[name] = s = "v" + Base36(names.Count);
            return s;
        }
        foreach (var t in graph.Initializer) t.Name = Short(t.Name);
        foreach (var n in graph.Node)
        {
            for (int i = 0; i < n.Input.Count; i++) n.Input[i] = Short(n.Input[i]);
            for (int i = 0; i < n.Output.Count; i++) n.Output[i] = Short(n.Output[i]);
            if (addedNodes.Contains(n.Name)) n.ClearName();
            n.ClearDocString();
        }
        graph.ValueInfo.Clear();
        graph.ClearDocString();
    }

    private static string Base36(int value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var s = new System.Text.StringBuilder();
        do { s.Insert(0, digits[value % 36]); value /= 36; } while (value > 0);
        return s.ToString();
    }
}
