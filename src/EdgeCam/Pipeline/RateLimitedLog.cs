using Microsoft.Extensions.Logging;

namespace EdgeCam.Pipeline;

/// <summary>
/// Logs a repeating error once per interval and says how many were held back, so a device with a
/// broken camera writes a line every few seconds instead of thirty a second.
/// </summary>
public sealed class RateLimitedLog(ILogger log, TimeSpan interval)
{
    private long _lastMs = long.MinValue;
    private int _suppressed;

    public void Error(Exception e, string message, params object?[] args)
    {
        long now = Environment.TickCount64;
        if (_lastMs != long.MinValue && now - _lastMs < interval.TotalMilliseconds)
        {
            _suppressed++;
            return;
        }
        if (_suppressed > 0)
            log.LogError("{Count} similar errors in the last {Seconds:0} s were not logged", _suppressed, (now - _lastMs) / 1000.0);
        _suppressed = 0;
        _lastMs = now;
        log.LogError(e, message, args);
    }
}
