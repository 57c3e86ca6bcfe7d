using EdgeCam.Configuration;
using EdgeCam.Devices.Sensors;
using EdgeCam.Metrics;
using EdgeCam.Running;
using EdgeCam.Tests.Http;

namespace EdgeCam.Tests.Running;

/// <summary>Sensor readings in /metrics and as MQTT measured values. The driver here is a stand-in
/// returning fixed readings (the host has no I2C device; the real BME280 path runs in scripts/hil.sh).</summary>
public sealed class SensorReportingTests
{
    private sealed class FixedSensor(string name) : ISensor
    {
        public string Name => name;
        public int Samples;
        public IReadOnlyList<SensorValue> Sample()
        {
            Samples++;
            return [new("temperature", 25.08, "C"), new("pressure", 100653.25, "Pa"), new("humidity", 54.99, "%RH")];
        }
        public void Dispose() { }
    }

    [Fact]
    public void ReadingsAppearAsLabelledGaugesAndMeasuredValues()
    {
        var logs = new CapturingLogs();
        var config = new SensorConfig { Name = "room", IntervalMs = 60_000 };
        using var sampler = new SensorSampler(config, new FixedSensor("room"), logs.CreateLogger("test"));
        var metrics = new MetricsRegistry();
        SensorReporting.Register(metrics, [sampler]);

        var (samples, types) = PrometheusTextParser.Parse(metrics.Scrape());
        Assert.Equal("gauge", types["edgecam_sensor_value"]);
        var temperature = Assert.Single(samples, s => s.Name == "edgecam_sensor_value" && s.Labels["quantity"] == "temperature");
        Assert.Equal("room", temperature.Labels["sensor"]);
        Assert.Equal(25.08, temperature.Value, 6);
        Assert.Equal(3, samples.Count(s => s.Name == "edgecam_sensor_value"));

        var measured = SensorReporting.Measured([sampler]);
        Assert.Equal(["room_temperature", "room_pressure", "room_humidity"], measured.Select(m => m.Id));
        Assert.Equal(100653.25, SensorReporting.Read([sampler]).Single(v => v.Id == "room_pressure").Value);
    }
}
