using EdgeCam.Configuration;
using EdgeCam.Devices.Sensors;
using EdgeCam.Devices.Sensors.Bme280;
using EdgeCam.Rules;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Running;

/// <summary>A sensor threshold as a rule input: on above (or below) its level, off again past the hysteresis.</summary>
public sealed class SensorThresholdInput(ThresholdConfig config) : IBinaryInput
{
    private volatile bool _active;
    public string Name => config.Name;
    public string Quantity => config.Quantity;
    public bool IsActive => _active;

    /// <summary>Updates the state from a new value; returns whether it changed.</summary>
    public bool Update(double value)
    {
        bool was = _active;
        bool now = config.Above is { } above
            ? (was ? value > above - config.Hysteresis : value > above)
            : (was ? value < config.Below!.Value + config.Hysteresis : value < config.Below!.Value);
        _active = now;
        return now != was;
    }
}

/// <summary>
/// Samples one sensor on its own thread every interval, independent of the frame rate: keeps the
/// latest values for the run summary and updates the sensor's thresholds, which rules read as
/// inputs. A failing sensor is logged once when it fails and once when it recovers.
/// </summary>
public sealed class SensorSampler : IDisposable
{
    private readonly ISensor _sensor;
    private readonly SensorConfig _config;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly object _gate = new();
    private SensorValue[] _latest = [];
    private bool _failing;

    public string Name => _config.Name;
    public IReadOnlyList<SensorThresholdInput> Thresholds { get; }
    public long Samples { get; private set; }

    /// <summary>Called on the sampler's thread when a threshold changed (the rule engine reacts at once).</summary>
    public Action? Changed { get; set; }

    public SensorSampler(SensorConfig config, ILogger log) : this(config, Open(config), log) { }

    /// <summary>With a driver already open (the kernel-backed ones come from <see cref="Open"/>).</summary>
    public SensorSampler(SensorConfig config, ISensor sensor, ILogger log)
    {
        _config = config;
        _log = log;
        _sensor = sensor;
        Thresholds = config.Thresholds.Select(t => new SensorThresholdInput(t)).ToArray();
        SampleOnce(); // thresholds hold a real value before the first frame
        _thread = new Thread(Loop) { IsBackground = true, Name = $"sensor-{config.Name}" };
        _thread.Start();
    }

    private static ISensor Open(SensorConfig config) => config.Kind switch
    {
        "bme280" => new Bme280Sensor(config.Bus, config.Address, config.Name),
        _ => throw new SensorException($"sensor \"{config.Name}\": unknown kind \"{config.Kind}\""),
    };

    /// <summary>The latest values (empty until the first good sample).</summary>
    public SensorValue[] Latest { get { lock (_gate) return _latest; } }

    private void Loop()
    {
        while (!_stop.Token.WaitHandle.WaitOne(_config.IntervalMs)) SampleOnce();
    }

    private void SampleOnce()
    {
        try
        {
            var values = _sensor.Sample().ToArray();
            lock (_gate) { _latest = values; Samples++; }
            if (_failing) { _failing = false; _log.LogInformation("sensor {Name} answers again", Name); }
            bool changed = false;
            foreach (var t in Thresholds)
            {
                foreach (var v in values)
                    if (v.Quantity == t.Quantity && t.Update(v.Value))
                    {
                        changed = true;
                        _log.LogInformation("sensor {Name}: {Threshold} {State} ({Quantity} {Value:0.##} {Unit})", Name, t.Name, t.IsActive ? "on" : "off", v.Quantity, v.Value, v.Unit);
                    }
            }
            if (changed)
            {
                try { Changed?.Invoke(); }
                catch (Exception e) when (e is not SensorException) { _log.LogError("sensor {Name}: acting on a threshold change failed: {Error}", Name, e.Message); }
            }
        }
        catch (SensorException e)
        {
            if (!_failing) _log.LogWarning("sensor {Name} failed: {Error}; retrying every {Interval} ms", Name, e.Message, _config.IntervalMs);
            _failing = true;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(2));
        _sensor.Dispose();
        _stop.Dispose();
    }
}
