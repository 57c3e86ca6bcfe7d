using EdgeCam.ModelTool.Release;
using System.CommandLine;
using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Inspect;

namespace EdgeCam.ModelTool.Cli;

/// <summary>The model optimisation commands: inspect, quantize, eval, prune.</summary>
public static class OptimizeCommands
{
    public static IEnumerable<Command> All()
    {
        yield return InspectCommand();
    }

    private static Option<string?> Runtime() => new("--runtime") { Description = "libonnxruntime.so.1 to use (default: $EDGECAM_ORT_LIBRARY, next to the tool, system)." };

    internal static long[]? ParseShape(string? text, string option)
    {
        if (text is null) return null;
        var parts = text.Split('x', ',');
        var dims = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!long.TryParse(parts[i], out dims[i]) || dims[i] <= 0)
                throw new ToolException($"{option} '{text}': expected positive dimensions like 1x3x640x640");
        return dims;
    }

    private static Command InspectCommand()
    {
        var model = new Argument<string>("MODEL") { Description = "The .onnx model." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of the table." };
        var shape = new Option<string?>("--input-shape") { Description = "Input shape for symbolic dimensions, e.g. 1x3x640x640 (for layer shapes and MACs)." };
        var runtime = Runtime();
        var command = new Command("inspect", "Opset, inputs/outputs, operators, parameters, per-layer MACs, weight sparsity, quantisation.")
        { model, json, shape, runtime };
        command.SetAction(r => ToolCommandLine.Run(() =>
        {
            OrtEnvironment.Initialize(r.GetValue(runtime));
            var report = ModelInspector.Inspect(r.GetValue(model)!, ParseShape(r.GetValue(shape), "--input-shape"));
            Console.Write(r.GetValue(json) ? InspectPrinter.ToJson(report) + "\n" : InspectPrinter.ToText(report));
        }));
        return command;
    }
}
