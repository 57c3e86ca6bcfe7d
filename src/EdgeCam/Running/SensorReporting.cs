using EdgeCam.Metrics;
using EdgeCam.Upstream;

namespace EdgeCam.Running;

/// <summary>Sensor readings where people look: Home Assistant sensors over MQTT and gauges in /metrics.</summary>
public static class SensorReporting
{
    private static readonly Dictionary<string, (string? DeviceClass, string Unit, string Icon)> Kinds = new()
    {
        ["temperature"] = ("temperature", "°C", "mdi:thermometer"),
        ["pressure"] = ("pressure", "Pa", "mdi:gauge"),
        ["humidity"] = ("humidity", "%", "mdi:water-percent"),
    };

    public static string Id(string sensor, string quantity) => $"{sensor}_{quantity}";

    /// <summary>One measured value per sensor quantity the config can produce (a BME280 gives all three).</summary>
    public static IReadOnlyList<MeasuredValue> Measured(IReadOnlyList<SensorSampler> sensors) =>
        [.. from s in sensors
            from q in Kinds
            select new MeasuredValue(Id(s.Name, q.Key), $"{s.Name} {q.Key}", q.Value.Unit, q.Value.DeviceClass, "measurement", q.Value.Icon)];

    public static IEnumerable<(string Id, double Value)> Read(IReadOnlyList<SensorSampler> sensors)
    {
        foreach (var s in sensors)
            foreach (var v in s.Latest)
                yield return (Id(s.Name, v.Quantity), v.Value);
    }

    public static void Register(MetricsRegistry metrics, IReadOnlyList<SensorSampler> sensors)
    {
        if (sensors.Count == 0) return;
        metrics.Register(w =>
        {
            var family = w.Family("edgecam_sensor_value", "gauge", "The latest sensor readings (temperature C, pressure Pa, humidity %RH).");
            foreach (var s in sensors)
                foreach (var v in s.Latest)
                    family.Sample("edgecam_sensor_value", v.Value, ("sensor", s.Name), ("quantity", v.Quantity), ("unit", v.Unit));
        });
        metrics.Counter("edgecam_sensor_samples_total", "Sensor samples taken, all sensors.", () => sensors.Sum(s => s.Samples));
    }
}
