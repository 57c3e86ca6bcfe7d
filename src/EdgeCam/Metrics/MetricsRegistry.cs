namespace EdgeCam.Metrics;

/// <summary>
/// What /metrics shows: every subsystem registers a collector that writes its own families when
/// scraped (values are read then, so nothing is done per frame). Registering a plain gauge or
/// counter is one call: <c>registry.Gauge("edgecam_soc_temperature_celsius", "...", () =&gt; t)</c>.
/// Collectors run on the HTTP thread and must only read shared state.
/// </summary>
public sealed class MetricsRegistry
{
    private readonly List<Action<PrometheusWriter>> _collectors = [];
    private readonly object _gate = new();

    public void Register(Action<PrometheusWriter> collector)
    {
        lock (_gate) _collectors.Add(collector);
    }

    public void Gauge(string name, string help, Func<double> read) =>
        Register(w => w.Family(name, "gauge", help).Sample(name, read()));

    /// <summary>A monotonically increasing count; the name should end in "_total".</summary>
    public void Counter(string name, string help, Func<double> read) =>
        Register(w => w.Family(name, "counter", help).Sample(name, read()));

    public string Scrape()
    {
        Action<PrometheusWriter>[] collectors;
        lock (_gate) collectors = [.. _collectors];
        var writer = new PrometheusWriter();
        foreach (var collect in collectors) collect(writer);
        return writer.Text;
    }
}
