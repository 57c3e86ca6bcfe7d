using System.CommandLine;

namespace EdgeCam.Cli;

/// <summary>The command tree. Each command's work lives in its own class; this file only
/// declares options, help texts and which class runs.</summary>
public static class CommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("EdgeCam: on-device AI for edge cameras. Frames in, decisions and GPIO actions out.");
        root.Subcommands.Add(Run());
        root.Subcommands.Add(Detect());
        root.Subcommands.Add(Infer());
        root.Subcommands.Add(Model());
        root.Subcommands.Add(Update());
        root.Subcommands.Add(Camera());
        root.Subcommands.Add(Gpio());
        root.Subcommands.Add(Selftest());
        return root;
    }

    private static Option<bool> Verbose() => new("--verbose", "-v") { Description = "Log debug messages too." };

    private static Command Run()
    {
        var config = new Option<string?>("--config", "-c")
        { Description = "The configuration file (JSON). Without it, the built-in demo runs." };
        var loop = new Option<bool>("--loop") { Description = "Replay the source again and again until Ctrl-C or SIGTERM." };
        var maxFrames = new Option<long?>("--max-frames") { Description = "Stop after this many processed frames." };
        var verbose = Verbose();
        var command = new Command("run", "Run the pipeline: source -> preprocess -> infer -> postprocess -> rules -> outputs. " +
            "Prints one JSON line per event on stdout and a summary at the end.")
        { config, loop, maxFrames, verbose };
        command.SetAction(r => CommandRunner.Execute(r.GetValue(verbose), log =>
            RunCommand.Execute(r.GetValue(config), r.GetValue(loop), r.GetValue(maxFrames), log)));
        return command;
    }

    private static Command Detect()
    {
        var model = ModelOption();
        var card = CardOption();
        var threshold = new Option<float?>("--threshold", "-t") { Description = "Minimum score to report (default: the card's)." };
        var topK = new Option<int?>("--top-k", "-k") { Description = "Classifiers: how many classes to report (default: the card's, else 5)." };
        var inputs = new Argument<string[]>("inputs")
        { Description = "Image files (JPEG, PNG, PPM) or directories of them.", Arity = ArgumentArity.OneOrMore };
        var verbose = Verbose();
        var command = new Command("detect", "Run a model once over images; print one JSON object per image.")
        { model, card, threshold, topK, inputs, verbose };
        command.SetAction(r => CommandRunner.Execute(r.GetValue(verbose), log =>
            DetectCommand.Execute(r.GetValue(model)!, r.GetValue(card), r.GetValue(threshold), r.GetValue(topK), r.GetValue(inputs)!, log), quiet: true));
        return command;
    }

    private static Command Infer()
    {
        var model = ModelOption();
        var input = new Option<string[]>("--input", "-i")
        {
            Description = "NAME=FILE.bin: raw little-endian tensor for input NAME, of the input's element type and shape.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var outputDir = new Option<string>("--output-dir", "-o") { Description = "Where to write <output>.bin and outputs.json.", Required = true };
        var outputs = new Option<string[]>("--output")
        { Description = "Only these outputs (default: all).", AllowMultipleArgumentsPerToken = true };
        var shapes = new Option<string[]>("--shape")
        {
            Description = "NAME=D,D,...: the size of an input with symbolic dimensions (default: 1 for each).",
            AllowMultipleArgumentsPerToken = true,
        };
        var threads = new Option<int>("--threads") { Description = "ORT intra-op threads (0 = ORT's default).", DefaultValueFactory = _ => 1 };
        var verbose = Verbose();
        var command = new Command("infer", "Run a model on raw tensors and write raw output tensors (conformance checks against other runtimes).")
        { model, input, shapes, outputDir, outputs, threads, verbose };
        command.SetAction(r => CommandRunner.Execute(r.GetValue(verbose), log =>
            InferCommand.Execute(r.GetValue(model)!, r.GetValue(input) ?? [], r.GetValue(shapes) ?? [], r.GetValue(outputDir)!, r.GetValue(outputs) ?? [],
                r.GetValue(threads), log), quiet: true));
        return command;
    }

    private static Command Model()
    {
        var model = new Argument<string>("model") { Description = "The .onnx model file." };
        var card = CardOption();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var verbose = Verbose();
        var info = new Command("info", "Print the model's inputs, outputs, metadata and card; refuse a card that contradicts the model.")
        { model, card, json, verbose };
        info.SetAction(r => CommandRunner.Execute(r.GetValue(verbose), log =>
            ModelInfoCommand.Execute(r.GetValue(model)!, r.GetValue(card), r.GetValue(json), log), quiet: true));
        var command = new Command("model", "Inspect models.");
        command.Subcommands.Add(info);
        return command;
    }

    private static Command Update()
    {
        var statusConfig = ConfigOption(required: true);
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var statusVerbose = Verbose();
        var status = new Command("status", "Show the update state: running, current and previous bundle, rejected versions, trusted metadata versions.")
        { statusConfig, json, statusVerbose };
        status.SetAction(r => CommandRunner.Execute(r.GetValue(statusVerbose), log =>
            UpdateCommand.Status(r.GetValue(statusConfig)!, r.GetValue(json), log), quiet: true));

        var checkConfig = ConfigOption(required: true);
        var now = new Option<bool>("--now") { Description = "Check at once (without it, a random delay of up to update.jitterSeconds spreads a fleet's cron jobs)." };
        var checkVerbose = Verbose();
        var check = new Command("check", "Check the update origin; download, verify, self-test and install a newer bundle. " +
            "A running service switches to it at its next check or restart.")
        { checkConfig, now, checkVerbose };
        check.SetAction(r => CommandRunner.Execute(r.GetValue(checkVerbose), log =>
            UpdateCommand.Check(r.GetValue(checkConfig)!, r.GetValue(now), log)));

        var command = new Command("update", "Signed model updates (TUF): status and checks.");
        command.Subcommands.Add(status);
        command.Subcommands.Add(check);
        return command;
    }

    private static Option<string?> ConfigOption(bool required = false) => new("--config", "-c")
    { Description = "The configuration file (JSON) with an \"update\" section.", Required = required };

    private static Command Camera()
    {
        var list = new Command("list", "Show the V4L2 devices with their formats and frame sizes.");
        list.SetAction(_ => CommandRunner.Execute(false, _ => DeviceListCommands.Cameras(), quiet: true));
        var command = new Command("camera", "Inspect cameras.");
        command.Subcommands.Add(list);
        return command;
    }

    private static Command Gpio()
    {
        var list = new Command("list", "Show the GPIO chips with their lines: names, directions, consumers.");
        list.SetAction(_ => CommandRunner.Execute(false, _ => DeviceListCommands.Chips(), quiet: true));
        var command = new Command("gpio", "Inspect GPIO chips.");
        command.Subcommands.Add(list);
        return command;
    }

    private static Command Selftest()
    {
        var hil = new Option<bool>("--hil") { Description = "Run the hardware-in-the-loop checks against real devices." };
        var wiring = new Option<string>("--wiring") { Description = "The wiring file: camera, GPIO lines and how they are looped back, I2C bus (JSON).", Required = true };
        var verbose = Verbose();
        var command = new Command("selftest", "Check the device layer against real hardware; one \"hil: PASS|FAIL <check> ...\" line per check.")
        { hil, wiring, verbose };
        command.SetAction(r => CommandRunner.Execute(r.GetValue(verbose), log =>
            SelftestCommand.Execute(r.GetValue(hil), r.GetValue(wiring)!, log)));
        return command;
    }

    private static Option<string> ModelOption() => new("--model", "-m") { Description = "The .onnx model file.", Required = true };

    private static Option<string?> CardOption() => new("--card")
    { Description = "The model card (default: MODEL.card.json beside the model, else the model's metadata)." };
}
