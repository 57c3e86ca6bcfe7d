using EdgeCam.Messaging.HomeAssistant;

namespace EdgeCam.Upstream;

/// <summary>
/// Where each thing EdgeCam says over MQTT goes, under one prefix:
/// <c>availability</c> ("online", retained; the will sets "offline"), <c>events</c> (JSON, QoS 1),
/// <c>rules/ID/state</c> and <c>outputs/ID/state</c> ("ON"/"OFF", retained), <c>outputs/ID/set</c>
/// (commands), <c>sensors/ID/state</c> (numbers, retained). IDs are names made topic- and
/// Home-Assistant-safe by <see cref="HomeAssistantDiscovery.Id"/>.
/// </summary>
public sealed class MqttTopics(string prefix)
{
    public string Prefix => prefix;
    public string Availability => $"{prefix}/availability";
    public string Events => $"{prefix}/events";
    public string RuleState(string rule) => $"{prefix}/rules/{HomeAssistantDiscovery.Id(rule)}/state";
    public string OutputState(string output) => $"{prefix}/outputs/{HomeAssistantDiscovery.Id(output)}/state";
    public string OutputCommand(string output) => $"{prefix}/outputs/{HomeAssistantDiscovery.Id(output)}/set";
    public string OutputCommandFilter => $"{prefix}/outputs/+/set";
    public string SensorState(string sensor) => $"{prefix}/sensors/{HomeAssistantDiscovery.Id(sensor)}/state";

    public static string OnOff(bool on) => on ? "ON" : "OFF";
}
