using System.Text.Json;
using EdgeCam.Cli;
using EdgeCam.Configuration;
using EdgeCam.Devices.Gpio;
using EdgeCam.Rules;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Running;

/// <summary>
/// SIGHUP: re-reads the config file and swaps in its rules (thresholds included) and GPIO outputs
/// and inputs between two frames, keeping the model session. A config that does not load, or
/// whose rules do not fit the model, is rejected with one log line and the running one stays.
/// Changes to the model, source, run, http, snapshots or adapt sections take effect on restart (logged).
/// Owns the GPIO lines of the run, since a reload may replace them.
/// </summary>
public sealed class ConfigReloader(string? configPath, EdgeCamConfig running, IGpioChip chip, IReadOnlyList<string> labels,
    IReadOnlyList<IBinaryInput> sensorInputs, Action<EdgeCamConfig> applyCommandLine, ILogger log, ILogger gpioLog) : IDisposable
{
    private volatile bool _requested;

    public EdgeCamConfig Running { get; private set; } = running;
    public OutputBank Outputs { get; private set; } = DeviceSetup.OpenOutputs(chip, running.Gpio, gpioLog, running.Pwm);
    public List<GpioBinaryInput> Inputs { get; private set; } = DeviceSetup.OpenInputs(chip, running.Gpio, log);

    /// <summary>From the signal handler: reload before the next frame.</summary>
    public void Request() => _requested = true;

    public bool Pending => _requested;

    /// <summary>The rule engine for the running config.</summary>
    /// <summary>What rules may read: the GPIO inputs and the sensors' thresholds (sensors are opened once per run).</summary>
    private List<IBinaryInput> RuleInputs => [.. Inputs, .. sensorInputs];

    public RuleEngine BuildRules(IRuleEventSink sink) => new(Running.Rules, labels, Outputs, RuleInputs, sink);

    /// <summary>Pipeline thread, between frames: the new rule engine, or null when the reload was rejected
    /// (the reason is logged and recorded in <paramref name="status"/>).</summary>
    public RuleEngine? Reload(IRuleEventSink sink, RunStatus status)
    {
        _requested = false;
        if (configPath is null)
            return Reject(status, "the built-in demo is running; there is no config file to reload");
        EdgeCamConfig next;
        try
        {
            next = ConfigLoader.Load(configPath);
        }
        catch (UserFacingException e)
        {
            return Reject(status, e.Message);
        }
        applyCommandLine(next);
        if (next.Gpio.Chip != Running.Gpio.Chip)
            return Reject(status, $"config {configPath}: gpio.chip: \"{next.Gpio.Chip}\" cannot change while running (restart edgecam)");

        RuleEngine engine;
        if (Same(next.Gpio, Running.Gpio, ConfigJsonContext.Default.GpioConfig))
        {
            try
            {
                engine = new RuleEngine(next.Rules, labels, Outputs, RuleInputs, sink);
            }
            catch (ArgumentException e)
            {
                return Reject(status, $"config {configPath}: {e.Message}");
            }
        }
        else
        {
            // Rehearse on a simulated chip first, so a rule that does not fit never costs the running lines.
            try
            {
                // PWM channels stand in as simulated lines of the same names (sysfs channels cannot be opened twice).
                var rehearsal = new SimulatedGpioChip(1024);
                var rehearsalGpio = new GpioConfig { Chip = next.Gpio.Chip, Inputs = next.Gpio.Inputs,
                    Outputs = [.. next.Gpio.Outputs, .. Running.Pwm.Select((p, i) => new OutputConfig { Name = p.Name, Line = 512 + i, SafeState = p.SafeState })] };
                using var outputs = DeviceSetup.OpenOutputs(rehearsal, rehearsalGpio, gpioLog);
                var inputs = DeviceSetup.OpenInputs(rehearsal, next.Gpio, log);
                try
                {
                    _ = new RuleEngine(next.Rules, labels, outputs, [.. inputs, .. sensorInputs], null);
                }
                finally
                {
                    foreach (var i in inputs) i.Dispose();
                }
            }
            catch (Exception e) when (e is ArgumentException or GpioException)
            {
                return Reject(status, $"config {configPath}: {e.Message}");
            }
            engine = SwapLines(next, sink);
        }

        foreach (var (section, changed) in new[]
        {
            ("model", !Same(next.Model, Running.Model, ConfigJsonContext.Default.ModelConfig)),
            ("source", !Same(next.Source, Running.Source, ConfigJsonContext.Default.SourceConfig)),
            ("run", !Same(next.Run, Running.Run, ConfigJsonContext.Default.RunConfig)),
            ("http", !Same(next.Http, Running.Http, ConfigJsonContext.Default.HttpConfig)),
            ("snapshots", !Same(next.Snapshots, Running.Snapshots, ConfigJsonContext.Default.SnapshotConfig)),
            ("adapt", !Same(next.Adapt, Running.Adapt, ConfigJsonContext.Default.AdaptConfig)),
            ("sensors", !SameList(next.Sensors, Running.Sensors, ConfigJsonContext.Default.ListSensorConfig)),
            ("mqtt", !Same(next.Mqtt, Running.Mqtt, ConfigJsonContext.Default.MqttConfig)),
            ("update", !Same(next.Update, Running.Update, ConfigJsonContext.Default.UpdateConfig)),
            ("pwm", !SameList(next.Pwm, Running.Pwm, ConfigJsonContext.Default.ListPwmConfig)),
        })
        {
            if (changed) log.LogWarning("config reload: the {Section} section changed; that takes effect when edgecam restarts", section);
        }
        // Keep the sections that were not reloaded as they run, so the next comparison is against what runs.
        next.Model = Running.Model; next.Source = Running.Source; next.Run = Running.Run;
        next.Http = Running.Http; next.Snapshots = Running.Snapshots; next.Adapt = Running.Adapt;
        next.Sensors = Running.Sensors; next.Pwm = Running.Pwm; next.Mqtt = Running.Mqtt; next.Update = Running.Update;
        Running = next;
        status.ReloadApplied();
        log.LogInformation("config reloaded from {Path}: {Rules} rules, {Outputs} outputs, {Inputs} inputs (model session kept)",
            configPath, next.Rules.Count, next.Gpio.Outputs.Count, next.Gpio.Inputs.Count);
        return engine;
    }

    /// <summary>Releases the running lines (outputs to their safe state first) and requests the new ones;
    /// if that fails, the old ones are requested again and the reload fails loudly.</summary>
    private RuleEngine SwapLines(EdgeCamConfig next, IRuleEventSink sink)
    {
        ReleaseLines("config reload");
        try
        {
            Outputs = DeviceSetup.OpenOutputs(chip, next.Gpio, gpioLog, Running.Pwm);
            Inputs = DeviceSetup.OpenInputs(chip, next.Gpio, log);
            return new RuleEngine(next.Rules, labels, Outputs, RuleInputs, sink);
        }
        catch (GpioException e)
        {
            log.LogError("config reload: the new GPIO lines could not be requested ({Error}); going back to the running ones", e.Message);
            Outputs = DeviceSetup.OpenOutputs(chip, Running.Gpio, gpioLog, Running.Pwm);
            Inputs = DeviceSetup.OpenInputs(chip, Running.Gpio, log);
            throw;
        }
    }

    private void ReleaseLines(string reason)
    {
        Outputs.ApplySafeState(reason);
        Outputs.Dispose();
        foreach (var i in Inputs) i.Dispose();
    }

    private RuleEngine? Reject(RunStatus status, string reason)
    {
        log.LogError("config reload rejected, the running config stays: {Reason}", reason);
        status.ReloadRejected(reason);
        return null;
    }

    private static bool Same<T>(T? a, T? b, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class =>
        JsonSerializer.Serialize(a, type!) == JsonSerializer.Serialize(b, type!);

    private static bool SameList<T>(List<T> a, List<T> b, System.Text.Json.Serialization.Metadata.JsonTypeInfo<List<T>> type) =>
        JsonSerializer.Serialize(a, type) == JsonSerializer.Serialize(b, type);

    public void Dispose() => ReleaseLines("shutdown");
}
