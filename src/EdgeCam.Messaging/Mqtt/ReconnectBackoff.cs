namespace EdgeCam.Messaging.Mqtt;

/// <summary>
/// Delays between connection attempts: the ceiling doubles from <c>min</c> up to <c>max</c>, and
/// each delay is drawn between half the ceiling and the ceiling ("equal jitter"), so a fleet of
/// devices that lost the same broker does not come back in lockstep, yet never retries at once.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan min, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private int _failures;

    public int Failures => _failures;

    /// <summary>The ceiling for the next delay.</summary>
    public TimeSpan Ceiling => TimeSpan.FromTicks((long)Math.Min(max.Ticks, min.Ticks * Math.Pow(2, Math.Min(_failures, 30))));

    public TimeSpan NextDelay()
    {
        var ceiling = Ceiling;
        _failures++;
        return TimeSpan.FromTicks((long)(ceiling.Ticks * (0.5 + 0.5 * _random.NextDouble())));
    }

    public void Reset() => _failures = 0;
}
