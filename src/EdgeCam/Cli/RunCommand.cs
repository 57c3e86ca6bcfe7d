using System.Runtime.InteropServices;
using EdgeCam.Adapting;
using EdgeCam.Configuration;
using EdgeCam.Metrics;
using EdgeCam.Snapshots;
using EdgeCam.Devices.Gpio;
using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference.Onnx;
using EdgeCam.Models;
using EdgeCam.Output;
using EdgeCam.Pipeline;
using EdgeCam.Rules;
using EdgeCam.Running;
using EdgeCam.Service;
using EdgeCam.Updating;
using EdgeCam.Upstream;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Cli;

/// <summary>
/// `edgecam run`: builds the pipeline a configuration describes and runs it until the source ends,
/// --max-frames is reached, or SIGINT/SIGTERM. Outputs are requested in their safe state and put
/// back into it on every way out: normal end, a signal, or an unhandled fault. SIGHUP reloads the
/// rules and GPIO sections (see <see cref="ConfigReloader"/>); an http section starts the local API.
/// </summary>
public static class RunCommand
{
    /// <param name="stop">Ends the run like SIGTERM (tests running it in-process).</param>
    public static int Execute(string? configPath, bool loop, long? maxFrames, ILoggerFactory logs, CancellationToken stop = default)
    {
        var log = logs.CreateLogger("EdgeCam.Run");
        var config = configPath is null ? ConfigLoader.LoadBuiltIn() : ConfigLoader.Load(configPath);
        void ApplyCommandLine(EdgeCamConfig c)
        {
            if (loop) c.Source.Loop = true;
            if (maxFrames is { } max) c.Run.MaxFrames = max;
        }
        ApplyCommandLine(config);
        log.LogInformation("config {Config}", configPath ?? ConfigLoader.BuiltInName);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        // Registered before the (slow) model load: SIGHUP's default action would end the process.
        ConfigReloader? reloader = null;
        bool reloadBeforeStart = false;
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // SIGHUP means "reload", not "hang up"
            log.LogInformation("SIGHUP: reloading the config before the next frame");
            if (reloader is { } r) r.Request();
            else reloadBeforeStart = true;
        });
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // we shut down ourselves, after the safe state
            log.LogInformation("{Signal}: stopping", context.Signal);
            cancel.Cancel();
        }

        using var output = JsonLineWriter.ForStdout();
        var sessionOptions = SessionOptionsFrom(config.Model);
        Vector128Preprocessor.HelperThreadAllowed = config.Model.PreprocessThreads switch
        {
            2 => true,
            1 => false,
            _ => config.Model.Threads > 0 && config.Model.Threads < Environment.ProcessorCount,
        };
        using var updates = config.Update is null ? null : new UpdateAgent(config.Update, config.Model, logs.CreateLogger("EdgeCam.Update"));
        var (model, modelVersion) = updates is null
            ? (ModelLoader.Load(config.Model.Path!, config.Model.Card, sessionOptions, log, runtimeLibrary: config.Model.Runtime), "")
            : updates.LoadStartupModel(sessionOptions);
        using var source = DeviceSetup.OpenSource(config.Source, log);
        log.LogInformation("source {Source}", source.Description);
        using var chip = GpioChipLocator.Open(config.Gpio.Chip, logs.CreateLogger("EdgeCam.Gpio"));
        var sensors = DeviceSetup.OpenSensors(config.Sensors, logs.CreateLogger("EdgeCam.Sensors"));
        using var gpio = new ConfigReloader(configPath, config, chip, model.Bound.Labels, [.. sensors.SelectMany(s => s.Thresholds)],
            ApplyCommandLine, log, logs.CreateLogger("EdgeCam.Gpio"));
        reloader = gpio;
        if (reloadBeforeStart) gpio.Request();
        UnhandledExceptionEventHandler onFault = (_, e) => gpio.Outputs.ApplySafeState($"fault: {(e.ExceptionObject as Exception)?.Message}");
        AppDomain.CurrentDomain.UnhandledException += onFault;
        FramePipeline? pipeline = null;
        try
        {
            var stats = new PipelineStats();
            var status = new RunStatus(stats, model.Name, updates is null ? model.Version : modelVersion, source.Description);
            var capture = new FrameCapture();
            Func<long> currentFrame = () => pipeline?.CurrentSequence ?? -1;
            using var uplink = config.Mqtt is { } mqtt
                ? MqttUplink.Start(mqtt, new UplinkSubject(config.Rules.Select(r => r.Name).ToList(),
                    config.Gpio.Outputs.Select(o => (o.Name, o.SafeState)).ToList(), $"{model.Name} {model.Version}")
                    {
                        Measured = SensorReporting.Measured(sensors),
                        ReadMeasured = () => SensorReporting.Read(sensors),
                    },
                    currentFrame, logs.CreateLogger("EdgeCam.Mqtt"))
                : null;
            IRuleEventSink sink = new JsonEventSink(output, currentFrame);
            if (uplink is not null) sink = new EventSinks(sink, uplink);
            using var snapshots = RunServices.OpenSnapshots(config.Snapshots, logs);
            if (snapshots is not null)
            {
                sink = new SnapshotEventSink(sink, capture);
                capture.EventCaptured = snapshots.Enqueue;
            }
            RuleEngine rules;
            try
            {
                rules = gpio.BuildRules(sink);
            }
            catch (ArgumentException e)
            {
                throw new UserFacingException(ExitCodes.Config, $"config {configPath ?? ConfigLoader.BuiltInName}: {e.Message}");
            }
            // Input-only rules are decided when an input changes, not at the next frame.
            void WireInputChanges(RuleEngine engine)
            {
                foreach (var input in gpio.Inputs) input.Changed = () => engine.OnInputChanged(Environment.TickCount64);
                foreach (var sensor in sensors) sensor.Changed = () => engine.OnInputChanged(Environment.TickCount64);
            }
            WireInputChanges(rules);
            status.Rules = rules;
            pipeline = new FramePipeline(source, model, rules, stats, log, modelVersion);
            using var updateController = updates is null ? null : new UpdateController(updates, pipeline, config.Update!, sessionOptions, logs.CreateLogger("EdgeCam.Update"));
            updateController?.Start();
            if (updateController is not null) status.CheckUpdateNow = updateController.CheckNow;
            if (config.Run.LogDetections)
                pipeline.FrameProcessed = (f, r) => output.WriteLine(w =>
                {
                    w.WriteString("event", "frame");
                    w.WriteNumber("frame", f.Sequence);
                    if (f.Origin is not null) w.WriteString("origin", f.Origin);
                    ResultJson.Write(w, r, pipeline.Model.Bound);
                });
            if (config.Http is not null || snapshots is not null) pipeline.FrameProcessed += capture.OnFrame;
            using var thermal = RunServices.OpenThermal(config.Adapt.Thermal, logs);
            var motion = config.Adapt.Motion is { } m
                ? new MotionGate(m.FrameDifference, m.Input is { } name ? gpio.Inputs.First(i => i.Name == name) : null, m.HoldMs)
                : null;
            var governor = new FrameGovernor(source.FramesPerSecond, config.Adapt.MaxFps, config.Adapt.EvenSkipping, thermal, motion);
            pipeline.Gate = governor;
            // What /metrics shows; other subsystems (MQTT, sensors, updates) register their families here too.
            var metrics = new MetricsRegistry();
            RunMetrics.Register(metrics, status);
            AdaptMetrics.Register(metrics, stats, governor);
            if (updateController is not null) UpdateMetrics.Register(metrics, updateController.Agent, pipeline);
            SensorReporting.Register(metrics, sensors);
            if (source is EdgeCam.Devices.Video.V4l2CameraSource camera)
                metrics.Counter("edgecam_camera_outages_total", "Times the camera disappeared or stalled and was reopened.", () => camera.Outages);
            using var api = RunServices.StartApi(config.Http, status, capture, metrics, logs);

            using var notifier = SystemdNotifier.FromEnvironment();
            var heartbeat = new ServiceHeartbeat(notifier, SystemdNotifier.WatchdogInterval(), stats,
                () => $"{status.ModelName} {status.ModelVersion}"); // follows a model swapped in by an update
            var measurements = new RunMeasurements();
            int warmup = config.Run.WarmupFrames;
            long processed = 0;
            while (config.Run.MaxFrames == 0 || processed < config.Run.MaxFrames)
            {
                if (gpio.Pending && gpio.Reload(sink, status) is { } reloaded)
                {
                    pipeline.Rules = reloaded;
                    status.Rules = reloaded;
                    WireInputChanges(reloaded);
                    if (motion is not null && config.Adapt.Motion?.Input is { } motionInput)
                    {
                        // The old line was released; follow the input of that name on the new lines.
                        motion.Input = gpio.Inputs.FirstOrDefault(i => i.Name == motionInput);
                        if (motion.Input is null) log.LogWarning("config reload: the motion input {Input} is gone; only the frame difference gates now", motionInput);
                    }
                }
                var modelBefore = pipeline.Model;
                if (!pipeline.Step(cancel.Token)) break;
                if (updateController is not null)
                {
                    updateController.AfterFrame();
                    if (!ReferenceEquals(modelBefore, pipeline.Model)) status.ModelChanged(pipeline.Model.Name, pipeline.ModelVersion);
                }
                if (!pipeline.LastStepProcessed)
                {
                    if (processed > 0) heartbeat.FrameDone(); // skipping on purpose is progress too
                    continue;
                }
                processed++;
                uplink?.AfterFrame(stats, gpio.Outputs);
                if (processed == 1)
                {
                    measurements.StartupMs = RunMeasurements.MillisecondsSinceProcessStart();
                    heartbeat.Ready(measurements.StartupMs);
                    status.MarkReady();
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
            gpio.Outputs.ApplySafeState(cancel.IsCancellationRequested ? "stopped by signal" : "end of run");
            snapshots?.Flush(TimeSpan.FromSeconds(5));
            RunSummary.Write(output, stats, measurements, $"{pipeline.Model.Name} {pipeline.Model.Version}", source.Description, log, governor.TargetFps,
                updates is null ? null : UpdateStatus.Describe(updates, pipeline.ModelVersion), sensors);
            return ExitCodes.Ok;
        }
        finally
        {
            gpio.Outputs.ApplySafeState("shutdown");
            AppDomain.CurrentDomain.UnhandledException -= onFault;
            foreach (var sensor in sensors) sensor.Dispose();
            // The pipeline owns the running model (and any it swapped in); before it exists, we do.
            if (pipeline is not null) pipeline.Dispose();
            else model.Dispose();
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
