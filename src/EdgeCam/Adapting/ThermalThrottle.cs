using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace EdgeCam.Adapting;

/// <summary>
/// Watches a thermal zone (/sys/class/thermal/thermal_zoneN/temp, millidegrees Celsius) and says
/// when to lower the frame rate: from <c>aboveC</c> up until the temperature is back at or below
/// <c>belowC</c> (hysteresis, so it does not flap around one threshold). The file stays open and is
/// re-read with pread every <c>every</c>, never per frame, without allocating.
/// </summary>
public sealed class ThermalThrottle : IDisposable
{
    private readonly SafeFileHandle _temp;
    private readonly byte[] _buffer = new byte[32];
    private readonly double _aboveC, _belowC;
    private readonly long _everyTicks;
    private readonly ILogger _log;
    private long _nextReadTicks;

    public ThermalThrottle(string zone, double aboveC, double belowC, double throttledFps, TimeSpan every, ILogger log)
    {
        Zone = zone;
        _aboveC = aboveC;
        _belowC = belowC;
        ThrottledFps = throttledFps;
        _everyTicks = (long)(every.TotalSeconds * Stopwatch.Frequency);
        _log = log;
        _temp = File.OpenHandle(Path.Combine(zone, "temp"));
        Read();
    }

    public string Zone { get; }
    public double ThrottledFps { get; }
    public double TemperatureC { get; private set; } = double.NaN;
    public bool Throttled { get; private set; }
    public long Throttlings { get; private set; }

    public void Poll(long nowTicks)
    {
        if (nowTicks < _nextReadTicks) return;
        _nextReadTicks = nowTicks + _everyTicks;
        Read();
    }

    private void Read()
    {
        int n;
        try
        {
            n = RandomAccess.Read(_temp, _buffer, 0);
        }
        catch (IOException)
        {
            return; // a zone can fail a read transiently (sensor busy); keep the last state
        }
        long milli = 0;
        bool negative = false, digits = false;
        for (int i = 0; i < n; i++)
        {
            byte b = _buffer[i];
            if (b == '-' && !digits) negative = true;
            else if (b is >= (byte)'0' and <= (byte)'9') { milli = milli * 10 + (b - '0'); digits = true; }
            else if (digits) break;
        }
        if (!digits) return;
        TemperatureC = (negative ? -milli : milli) / 1000.0;
        if (!Throttled && TemperatureC >= _aboveC)
        {
            Throttled = true;
            Throttlings++;
            _log.LogWarning("{Zone}: {Temperature:0.0} °C is at or above {Above:0.0} °C: frame rate lowered to {Fps} fps until {Below:0.0} °C",
                Zone, TemperatureC, _aboveC, ThrottledFps, _belowC);
        }
        else if (Throttled && TemperatureC <= _belowC)
        {
            Throttled = false;
            _log.LogInformation("{Zone}: {Temperature:0.0} °C is at or below {Below:0.0} °C: frame rate restored", Zone, TemperatureC, _belowC);
        }
    }

    public void Dispose() => _temp.Dispose();
}
