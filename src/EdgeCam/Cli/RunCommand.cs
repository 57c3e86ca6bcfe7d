using System.Runtime.InteropServices;
using EdgeCam.Configuration;
using EdgeCam.Devices.Gpio;
using EdgeCam.Inference.Onnx;
using EdgeCam.Models;
using EdgeCam.Output;
using EdgeCam.Pipeline;
using EdgeCam.Rules;
using EdgeCam.Running;
using EdgeCam.Service;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Cli;

/// <summary>
/// `edgecam run`: builds the pipeline a configuration describes and runs it until the source ends,
/// --max-frames is reached, or SIGINT/SIGTERM. Outputs are requested in their safe state and put
/// back into it on every way out: normal end, a signal, or an unhandled fault.
/// </summary>
public static class RunCommand
{
    public static int Execute(string? configPath, bool loop, long? maxFrames, ILoggerFactory logs)
    {
        var log = logs.CreateLogger("EdgeCam.Run");
        var config = configPath is null ? ConfigLoader.LoadBuiltIn() : ConfigLoader.Load(configPath);
        if (loop) config.Source.Loop = true;
        if (maxFrames is { } max) config.Run.MaxFrames = max;
        log.LogInformation("config {Config}", configPath ?? ConfigLoader.BuiltInName);

        using var cancel = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // we shut down ourselves, after the safe state
            log.LogInformation("{Signal}: stopping", context.Signal);
            cancel.Cancel();
        }

        using var output = JsonLineWriter.ForStdout();
        using var model = ModelLoader.Load(config.Model.Path!, config.Model.Card, SessionOptionsFrom(config.Model), log,
            runtimeLibrary: config.Model.Runtime);
        using var source = DeviceSetup.OpenSource(config.Source, log);
        log.LogInformation("source {Source}", source.Description);
        using var chip = GpioChipLocator.Open(config.Gpio.Chip, logs.CreateLogger("EdgeCam.Gpio"));
        using var outputs = DeviceSetup.OpenOutputs(chip, config.Gpio, logs.CreateLogger("EdgeCam.Gpio"), config.Pwm);
        var inputs = DeviceSetup.OpenInputs(chip, config.Gpio, log);
        var sensors = DeviceSetup.OpenSensors(config.Sensors, logs.CreateLogger("EdgeCam.Sensors"));
        UnhandledExceptionEventHandler onFault = (_, e) => outputs.ApplySafeState($"fault: {(e.ExceptionObject as Exception)?.Message}");
        AppDomain.CurrentDomain.UnhandledException += onFault;
        try
        {
            var stats = new PipelineStats();
            FramePipeline? pipeline = null;
            var sink = new JsonEventSink(output, () => pipeline?.CurrentSequence ?? -1);
            RuleEngine rules;
            try
            {
                rules = new RuleEngine(config.Rules, model.Bound.Labels, outputs,
                    [.. inputs, .. sensors.SelectMany(s => s.Thresholds)], sink);
            }
            catch (ArgumentException e)
            {
                throw new UserFacingException(ExitCodes.Config, $"config {configPath ?? ConfigLoader.BuiltInName}: {e.Message}");
            }
            foreach (var input in inputs) input.Changed = () => rules.OnInputChanged(Environment.TickCount64);
            foreach (var sensor in sensors) sensor.Changed = () => rules.OnInputChanged(Environment.TickCount64);
            pipeline = new FramePipeline(source, model, rules, stats, log);
            if (config.Run.LogDetections)
                pipeline.FrameProcessed = (f, r) => output.WriteLine(w =>
                {
                    w.WriteString("event", "frame");
                    w.WriteNumber("frame", f.Sequence);
                    if (f.Origin is not null) w.WriteString("origin", f.Origin);
                    ResultJson.Write(w, r, model.Bound);
                });

            using var notifier = SystemdNotifier.FromEnvironment();
            var heartbeat = new ServiceHeartbeat(notifier, SystemdNotifier.WatchdogInterval(), stats, $"{model.Name} {model.Version}");
            var measurements = new RunMeasurements();
            int warmup = config.Run.WarmupFrames;
            long processed = 0;
            while (config.Run.MaxFrames == 0 || processed < config.Run.MaxFrames)
            {
                if (!pipeline.Step(cancel.Token)) break;
                processed++;
                if (processed == 1)
                {
                    measurements.StartupMs = RunMeasurements.MillisecondsSinceProcessStart();
                    heartbeat.Ready(measurements.StartupMs);
                }
                else heartbeat.FrameDone();
                if (processed == warmup || (warmup == 0 && processed == 1))
                {
                    // From here on the figures describe the steady state.
                    measurements.FramesAtWarmup = processed;
                    measurements.RssAfterWarmupBytes = RunMeasurements.ResidentBytes();
                    stats.Reset();
                    measurements.AllocatedAtWarmup = GC.GetAllocatedBytesForCurrentThread();
                }
            }
            measurements.AllocatedAtEnd = GC.GetAllocatedBytesForCurrentThread();
            if (processed < warmup)
            {
                measurements.FramesAtWarmup = 0;
                measurements.RssAfterWarmupBytes = RunMeasurements.ResidentBytes();
            }
            heartbeat.Stopping();
            outputs.ApplySafeState(cancel.IsCancellationRequested ? "stopped by signal" : "end of run");
            RunSummary.Write(output, stats, measurements, $"{model.Name} {model.Version}", source.Description, log, sensors);
            return ExitCodes.Ok;
        }
        finally
        {
            outputs.ApplySafeState("shutdown");
            AppDomain.CurrentDomain.UnhandledException -= onFault;
            foreach (var input in inputs) input.Dispose();
            foreach (var sensor in sensors) sensor.Dispose();
        }
    }

    public static SessionOptions SessionOptionsFrom(ModelConfig m) => new()
    {
        IntraOpThreads = m.Threads,
        OptimizationLevel = m.Optimization switch
        {
            "disabled" => GraphOptimizationLevel.DisableAll,
            "basic" => GraphOptimizationLevel.Basic,
            "extended" => GraphOptimizationLevel.Extended,
            _ => GraphOptimizationLevel.All,
        },
        OptimizedModelPath = m.OptimizedModelPath,
    };
}
