using EdgeCam.Devices.Gpio;
using EdgeCam.Rules;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Running;

/// <summary>
/// A GPIO input line as a rule input: a background thread waits for edge events and keeps the
/// latest level, so the pipeline reads a field, not the device, on every frame.
/// </summary>
public sealed class GpioBinaryInput : IBinaryInput, IDisposable
{
    private readonly IGpioInput _line;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private volatile bool _active;

    public string Name { get; }
    public bool IsActive => _active;

    /// <summary>Called on the input's thread after each change of level (the rule engine reacts at once).</summary>
    public Action? Changed { get; set; }

    public GpioBinaryInput(string name, IGpioInput line, ILogger log)
    {
        Name = name;
        _line = line;
        _active = line.Read();
        _thread = new Thread(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                if (!_line.WaitForEvent(TimeSpan.FromSeconds(1), _stop.Token)) continue;
                bool was = _active;
                while (_line.TryReadEvent(out var edge))
                {
                    _active = edge.Rising;
                    log.LogDebug("input {Name}: {Edge} edge", Name, edge.Rising ? "rising" : "falling");
                }
                if (_active == was) continue;
                try { Changed?.Invoke(); }
                catch (Exception e) { log.LogError("input {Name}: acting on its change failed: {Error}", Name, e.Message); }
            }
        }) { IsBackground = true, Name = $"gpio-input-{name}" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(2));
        _line.Dispose();
        _stop.Dispose();
    }
}
