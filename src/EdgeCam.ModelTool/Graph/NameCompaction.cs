using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Graph;

/// <summary>
/// Gives internal values and initializers short names, drops node names, intermediate
/// value_info (ONNX Runtime infers it again) and doc strings. In a small quantised model,
/// exporter names ("StatefulPartitionedCall/functional_1/conv2d_3/BiasAdd:0") repeated on every
/// Q/DQ node weigh more than the int8 weights. Graph inputs and outputs keep their names (the
/// model card and EdgeCam's bindings use them); `inspect` shows an unnamed layer by its output.
/// </summary>
public static class NameCompaction
{
    public static void Compact(GraphProto graph)
    {
        if (graph.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))) return; // names in subgraphs
        var keep = graph.Input.Select(i => i.Name).Concat(graph.Output.Select(o => o.Name)).ToHashSet();
        // The most referenced values (shared scales and zero points, then activations read by a
        // Q and a DQ) get the shortest names.
        var uses = new Dictionary<string, int>();
        void Count(string name) { if (name.Length > 0 && !keep.Contains(name)) uses[name] = uses.GetValueOrDefault(name) + 1; }
        foreach (var t in graph.Initializer) Count(t.Name);
        foreach (var n in graph.Node) { foreach (string i in n.Input) Count(i); foreach (string o in n.Output) Count(o); }
        var names = new Dictionary<string, string>();
        int next = 0;
        foreach (string name in uses.OrderByDescending(u => u.Value).ThenBy(u => u.Key, StringComparer.Ordinal).Select(u => u.Key))
        {
            string s;
            do s = Identifier(next++); while (keep.Contains(s));
            names[name] = s;
        }
        string Short(string name) => names.TryGetValue(name, out string? s) ? s : name;
        foreach (var t in graph.Initializer) t.Name = Short(t.Name);
        foreach (var n in graph.Node)
        {
            for (int i = 0; i < n.Input.Count; i++) n.Input[i] = Short(n.Input[i]);
            for (int i = 0; i < n.Output.Count; i++) n.Output[i] = Short(n.Output[i]);
            n.ClearName();
            n.ClearDocString();
            if (n.HasDomain && n.Domain.Length == 0) n.ClearDomain();
        }
        graph.ValueInfo.Clear();
        graph.ClearDocString();
    }

    /// <summary>The n-th C identifier in order of length: a, b, ..., Z, aa, ab, ...</summary>
    private static string Identifier(int n)
    {
        const string first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        const string rest = first + "0123456789_";
        var s = new System.Text.StringBuilder();
        s.Append(first[n % first.Length]);
        n /= first.Length;
        while (n > 0)
        {
            n--;
            s.Append(rest[n % rest.Length]);
            n /= rest.Length;
        }
        return s.ToString();
    }
}
