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
        yield return QuantizeCommand();
        yield return EvalCommand();
        yield return PruneCommand();
    }

    private static Command PruneCommand()
    {
        var model = new Argument<string>("MODEL") { Description = "The float .onnx model." };
        var calibration = new Option<string>("--calibration") { Description = "Directory of real images to measure channels and refit on.", Required = true };
        var ratio = new Option<double>("--ratio") { Description = "Share of output channels to remove from each pruned layer (0..1; 0 with --drop-blocks: blocks only).", Required = true };
        var output = new Option<string>("--output") { Description = "The pruned float model to write; its card is written beside it.", Required = true };
        var maxError = new Option<double>("--max-layer-error") { Description = "Sensitivity scan: prune a segment only if pruning it alone moves the worst output by at most this relative RMS error; all pruned together must stay within it too.", DefaultValueFactory = _ => 0.10 };
        var align = new Option<int>("--align") { Description = "Keep a multiple of this many channels per pruned segment (integer kernels work in channel blocks; 1: no rounding).", DefaultValueFactory = _ => 1 };
        var streams = new Option<bool>("--residual-streams") { Description = "Also prune channels tied through residual Adds and channel pads (removed from every block of the stream; costs accuracy without retraining)." };
        var blocks = new Option<bool>("--drop-blocks") { Description = "First remove whole residual blocks (y = x + F(x) becomes y = x, the next layers refitted) while the output error stays within --max-layer-error: removes operators, which small models' latency is mostly made of." };
        var card = Card();
        var crops = Crops();
        var textLines = TextLines();
        var runtime = Runtime();
        var command = new Command("prune", "Structured pruning without retraining: fold BatchNorm, remove Conv output channels and their consumers' inputs (and, asked, whole residual blocks), least-squares refit.")
        { model, calibration, ratio, output, maxError, align, streams, blocks, card, crops, textLines, runtime };
        command.SetAction(r => ToolCommandLine.Run(() =>
        {
            OrtEnvironment.Initialize(r.GetValue(runtime));
            string m = r.GetValue(model)!, o = r.GetValue(output)!;
            var s = Pruning.PruneRun.Run(m, r.GetValue(card), r.GetValue(calibration)!, o, new Pruning.PruneOptions
            { Ratio = r.GetValue(ratio), MaxLayerError = r.GetValue(maxError), Align = r.GetValue(align), ResidualStreams = r.GetValue(streams), DropBlocks = r.GetValue(blocks), CropRows = r.GetValue(crops), TextLines = r.GetValue(textLines) }, Progress);
            string dropped = r.GetValue(blocks) ? $"{s.Blocks.Dropped} of {s.Blocks.Found} residual blocks dropped ({s.Blocks.Operators} operators); " : "";
            Console.WriteLine($"{o}: {dropped}{s.Pruned} of {s.Groups} channel groups pruned ({s.ChannelsRemoved} channels removed, {s.Refitted} layers refitted); " +
                $"{new FileInfo(m).Length:N0} -> {new FileInfo(o).Length:N0} bytes");
        }));
        return command;
    }

    private static Command EvalCommand()
    {
        var candidate = new Argument<string>("CANDIDATE") { Description = "The model to judge (quantised, pruned...)." };
        var reference = new Option<string>("--reference") { Description = "The float model it came from.", Required = true };
        var images = new Option<string>("--images") { Description = "Directory of real evaluation images (not the calibration ones).", Required = true };
        var annotations = new Option<string?>("--annotations") { Description = "Ground truth in dlib's XML format (testing.xml) for detector precision/recall." };
        var card = Card();
        var crops = Crops();
        var textLines = TextLines();
        var runs = new Option<int>("--runs") { Description = "Timing rounds (each over up to 8 inputs, both models alternating).", DefaultValueFactory = _ => 20 };
        var threads = new Option<int>("--threads") { Description = "ORT intra-op threads for both models.", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of the table." };
        var profile = new Option<string?>("--profile") { Description = "Also record ORT's time per operator for both models (trace files PREFIX.reference_*.json and PREFIX.candidate_*.json) and print where each model's time goes." };
        var runtime = Runtime();
        var command = new Command("eval", "Judge a candidate model against its float reference on real images: quality, output error, latency, size.")
        { candidate, reference, images, annotations, card, crops, textLines, runs, threads, json, profile, runtime };
        command.SetAction(r => ToolCommandLine.Run(() =>
        {
            OrtEnvironment.Initialize(r.GetValue(runtime));
            var report = Evaluation.Evaluator.Run(new Evaluation.EvalOptions
            {
                Candidate = r.GetValue(candidate)!, Reference = r.GetValue(reference)!, ImagesDir = r.GetValue(images)!,
                Annotations = r.GetValue(annotations), Card = r.GetValue(card), CropRows = r.GetValue(crops), TextLines = r.GetValue(textLines),
                LatencyRuns = r.GetValue(runs), Threads = r.GetValue(threads), ProfilePrefix = r.GetValue(profile) is { } p ? Path.GetFullPath(p) : null,
            }, Progress);
            Console.Write(r.GetValue(json) ? System.Text.Json.JsonSerializer.Serialize(report, ReportJson.Default.EvalReport) + "\n" : Evaluation.EvalPrinter.ToText(report));
            // The sessions are released by now, so ORT has written its traces.
            if (r.GetValue(profile) is { } prefix) Console.Error.Write(Evaluation.OrtProfile.Compare(Path.GetFullPath(prefix)));
        }));
        return command;
    }

    private static Option<int> Crops() => new("--crops")
    { Description = "Also use a grid of crops of each image, this many rows, with the model input's aspect ratio (for classifiers of small regions).", DefaultValueFactory = _ => 0 };

    private static Option<bool> TextLines() => new("--text-lines")
    { Description = "Use the text lines cut from each page image, upright and turned 180 degrees, instead of whole images (for a text-direction classifier)." };

    private static Option<string?> Card() => new("--card") { Description = "The model card (default: MODEL.card.json beside the model)." };

    private static void Progress(string line) => Console.Error.WriteLine($"edgecam-model: {line}");

    private static Command QuantizeCommand()
    {
        var model = new Argument<string>("MODEL") { Description = "The float .onnx model." };
        var calibration = new Option<string>("--calibration") { Description = "Directory of real images to calibrate on (keep them apart from evaluation images).", Required = true };
        var output = new Option<string>("--output") { Description = "The quantised model to write; its card is written beside it.", Required = true };
        var card = Card();
        var method = new Option<string>("--method") { Description = "Range collection: mse (the range with the least squared 8-bit quantisation error over a histogram; default), minmax, or percentile.", DefaultValueFactory = _ => "mse" };
        method.AcceptOnlyFromAmong("minmax", "percentile", "mse");
        var percentile = new Option<double>("--percentile") { Description = "Percentile kept at each end for --method percentile.", DefaultValueFactory = _ => 99.999 };
        var activations = new Option<string>("--activations") { Description = "Activation type: int8 (S8S8, default) or uint8 (U8S8).", DefaultValueFactory = _ => "int8" };
        activations.AcceptOnlyFromAmong("int8", "uint8");
        var keep = new Option<string[]>("--keep-float") { Description = "Node names or operator types to leave in float.", AllowMultipleArgumentsPerToken = true };
        var crops = Crops();
        var textLines = TextLines();
        var noEqualize = new Option<bool>("--no-equalize") { Description = "Skip cross-layer equalisation of Conv -> (ReLU) -> Conv pairs." };
        var int32Biases = new Option<bool>("--int32-biases") { Description = "Store Conv biases as int32 behind a DequantizeLinear (ORT's CPU provider does not need it; other runtimes may)." };
        var keepNames = new Option<bool>("--keep-names") { Description = "Keep the exporter's value and node names and skip the other byte savings (larger file, same outputs)." };
        var runtime = Runtime();
        var command = new Command("quantize", "Static int8 quantisation (QDQ): weights int8 symmetric per output channel, activations calibrated on real images.")
        { model, calibration, output, card, method, percentile, activations, keep, crops, textLines, noEqualize, int32Biases, keepNames, runtime };
        command.SetAction(r => ToolCommandLine.Run(() =>
        {
            OrtEnvironment.Initialize(r.GetValue(runtime));
            var options = new Quantization.QuantizeOptions
            {
                Method = r.GetValue(method) switch
                {
                    "percentile" => Quantization.CalibrationMethod.Percentile,
                    "mse" => Quantization.CalibrationMethod.Mse,
                    _ => Quantization.CalibrationMethod.MinMax,
                },
                Percentile = r.GetValue(percentile),
                UnsignedActivations = r.GetValue(activations) == "uint8",
                KeepFloat = (r.GetValue(keep) ?? []).ToHashSet(),
                CompactNames = !r.GetValue(keepNames),
                Int32Biases = r.GetValue(int32Biases),
                Equalize = !r.GetValue(noEqualize),
            };
            string m = r.GetValue(model)!, o = r.GetValue(output)!;
            var s = Quantization.QuantizeRun.Run(m, r.GetValue(card), r.GetValue(calibration)!, o, options, r.GetValue(crops), Progress, r.GetValue(textLines));
            long before = new FileInfo(m).Length, after = new FileInfo(o).Length;
            Console.WriteLine($"{o}: {s.QuantizedNodes} operators quantised ({s.WeightTensors} weight tensors int8, {s.ActivationTensors} activations " +
                $"{r.GetValue(activations)}, {s.RemovedActivations} ReLU/Clip folded into quantisation, {s.FoldedBatchNorms} BatchNorm folded, {s.FoldedAffines} constant scales/offsets folded into Convs, {s.EqualizedPairs} layer pairs equalised, {s.UnsharedPools} max pools left to float for ORT's NCHW; Q/DQ domain {s.Domain}); " +
                $"{before:N0} -> {after:N0} bytes ({100.0 * after / before:0.0}%)");
        }));
        return command;
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
