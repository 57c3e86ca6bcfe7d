using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Pruning;

public static partial class PruneRun
{
    /// <summary>
    /// Block dropping: each residual block with an identity shortcut is dropped alone (and the
    /// layers after it refitted) to measure the output error it causes; then, from the least
    /// harmful up, blocks are dropped together while the whole stays within the error limit.
    /// </summary>
    private static (ModelProto Model, BlockSummary Summary) DropBlocks(PruneContext context)
    {
        var (original, reference, feeder, samples, options, origin, progress) = context;
        var blocks = ResidualBlock.Find(original.Graph);
        progress($"{blocks.Count} residual blocks with identity shortcuts; output error of each dropped alone on {samples.Count} calibration inputs");
        var scan = new List<(string Block, double Error, bool Dropped)>();
        for (int b = 0; b < blocks.Count; b++)
        {
            double error = RelativeError(reference, Outputs(WithoutBlocks(context, [blocks[b].Add.Output[0]]), feeder, samples, origin));
            scan.Add((blocks[b].Name, error, false));
            progress($"block {b + 1}/{blocks.Count}: {blocks[b].Name} ({blocks[b].Body.Count + 1} operators): relative output error {error:0.0000}{(error <= options.MaxLayerError ? "" : " (kept)")}");
        }

        var dropped = new List<string>();
        var model = original;
        double final = 0;
        foreach (int b in Enumerable.Range(0, blocks.Count).Where(b => scan[b].Error <= options.MaxLayerError).OrderBy(b => scan[b].Error))
        {
            var trial = WithoutBlocks(context, [.. dropped, blocks[b].Add.Output[0]]);
            double error = RelativeError(reference, Outputs(trial, feeder, samples, origin));
            if (error > options.MaxLayerError)
            {
                progress($"{blocks[b].Name}: kept (relative output error {error:0.0000} with it dropped too)");
                continue;
            }
            dropped.Add(blocks[b].Add.Output[0]);
            scan[b] = scan[b] with { Dropped = true };
            (model, final) = (trial, error);
            progress($"{blocks[b].Name}: dropped; relative output error {error:0.0000} with {dropped.Count} blocks dropped");
        }
        int operators = original.Graph.Node.Count - model.Graph.Node.Count;
        progress($"dropped {dropped.Count} of {blocks.Count} residual blocks ({operators} operators); relative output error on calibration {final:0.0000}");
        return (model, new BlockSummary(blocks.Count, dropped.Count, operators, scan));
    }

    /// <summary>The context's model without the given blocks (named by their Add's output), dropped
    /// in graph order, each followed by the refit of the Convs that now read its input: those that
    /// read its output, and those of a residual block it fed (whose last Conv then learns the sum
    /// the dropped block contributed to).</summary>
    private static ModelProto WithoutBlocks(PruneContext context, IReadOnlyCollection<string> adds)
    {
        var model = context.Original.Clone();
        var map = new ChannelMap();
        var pending = adds.ToHashSet();
        // Blocks are found again after every drop: a dropped block's readers now read its input.
        while (ResidualBlock.Find(model.Graph).FirstOrDefault(b => pending.Contains(b.Add.Output[0])) is { } block)
        {
            pending.Remove(block.Add.Output[0]);
            var readers = block.Drop(model.Graph);
            var fed = ResidualBlock.Find(model.Graph).Where(b => readers.Contains(b.Add)).SelectMany(b => b.Body);
            var order = model.Graph.Node.Select((n, i) => (n, i)).ToDictionary(e => e.n, e => e.i);
            foreach (var conv in readers.Concat(fed).Where(IsPlainConv).Distinct().OrderBy(n => order[n]))
                Refit(model, context.Original, map, conv, context.Feeder, context.Samples, context.Options, context.Origin);
        }
        return model;
    }
}
