using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Pruning;

/// <summary>
/// A residual block with an identity shortcut: y = x + F(x), where F (the body) is a chain of
/// nodes that read only x and constants and whose values nothing outside the block reads.
/// Dropping it (y = x) removes every operator of the body and the Add, which is what the latency
/// of a small model is made of; a Relu right after it goes too when x is already a Relu's output.
/// </summary>
public sealed record ResidualBlock(NodeProto Add, string Input, IReadOnlyList<NodeProto> Body)
{
    /// <summary>The block's name: its first Conv's, else its Add's output.</summary>
    public string Name => Body.FirstOrDefault(n => n.OpType == "Conv" && n.Name.Length > 0)?.Name is { } conv
        ? $"block at {conv}" : $"block adding into {Add.Output[0]}";

    /// <summary>The blocks of a graph, in graph order.</summary>
    public static List<ResidualBlock> Find(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        var blocks = new List<ResidualBlock>();
        foreach (var add in graph.Node.Where(n => n.OpType == "Add" && n.Input.Count == 2 && n.Input[0] != n.Input[1]))
        {
            if (index.IsGraphOutput(add.Output[0]) || add.Input.Any(i => index.Constant(i) is not null)) continue;
            for (int side = 0; side < 2; side++)
                if (BodyOf(index, add, add.Input[side], add.Input[1 - side]) is { } body)
                {
                    blocks.Add(new ResidualBlock(add, add.Input[side], body));
                    break;
                }
        }
        return blocks;
    }

    /// <summary>The nodes between x and the Add's other input, if they form a self-contained body with a Conv in it.</summary>
    private static List<NodeProto>? BodyOf(GraphIndex index, NodeProto add, string x, string f)
    {
        var body = new List<NodeProto>();
        var members = new HashSet<NodeProto>();
        var pending = new Stack<string>([f]);
        while (pending.Count > 0)
        {
            string t = pending.Pop();
            if (t == x || t.Length == 0 || index.Constant(t) is not null) continue;
            if (index.Producer(t) is not { } p) return null; // reaches a graph input: not a block on x
            if (!members.Add(p)) continue;
            body.Add(p);
            if (members.Count > 64) return null; // a long walk means F reads beyond x
            foreach (string i in p.Input) pending.Push(i);
        }
        if (!body.Any(n => n.OpType == "Conv")) return null;
        foreach (var n in body)
            foreach (string o in n.Output.Where(o => o.Length > 0))
                if (o == x || index.IsGraphOutput(o) || index.Consumers(o).Any(c => c != add && !members.Contains(c))) return null;
        var order = index.Graph.Node.Select((n, i) => (n, i)).ToDictionary(e => e.n, e => e.i);
        return body.OrderBy(n => order[n]).ToList();
    }

    /// <summary>Removes the block from the graph (which must hold it): the Add's readers read x.</summary>
    /// <returns>The nodes that now read x in its place (to be refitted).</returns>
    public List<NodeProto> Drop(GraphProto graph)
    {
        var index = new GraphIndex(graph);
        var readers = index.Consumers(Add.Output[0]).ToList();
        // relu(x + F) with x already a Relu's output: after the drop it is relu(x) = x.
        if (readers is [{ OpType: "Relu" } relu] && index.Producer(Input) is { OpType: "Relu" } && !index.IsGraphOutput(relu.Output[0]))
        {
            var after = index.Consumers(relu.Output[0]).ToList();
            Rewire(after, relu.Output[0]);
            graph.Node.Remove(relu);
            readers = after;
        }
        else Rewire(readers, Add.Output[0]);
        foreach (var n in Body) graph.Node.Remove(n);
        graph.Node.Remove(Add);
        graph.ValueInfo.Clear();
        Graph.GraphPreparation.RemoveUnusedInitializers(graph);
        return readers;

        void Rewire(IEnumerable<NodeProto> nodes, string from)
        {
            foreach (var n in nodes)
                for (int i = 0; i < n.Input.Count; i++)
                    if (n.Input[i] == from) n.Input[i] = Input;
        }
    }
}
