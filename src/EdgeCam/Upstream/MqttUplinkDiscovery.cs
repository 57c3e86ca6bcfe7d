using System.Reflection;
using EdgeCam.Messaging.HomeAssistant;

namespace EdgeCam.Upstream;

/// <summary>The Home Assistant entities of one camera, all on one device and one availability topic.</summary>
public sealed partial class MqttUplink
{
    /// <summary>A binary_sensor per rule, a sensor per measured value, and a switch per output
    /// (a read-only binary_sensor while commands are off, so Home Assistant shows no dead toggle).</summary>
    public IEnumerable<(string Topic, DiscoveryDocument Document)> DiscoveryDocuments()
    {
        var device = new DiscoveryDevice
        {
            Identifiers = [_nodeId],
            Name = $"EdgeCam {_nodeId}",
            Model = _subject.Model,
            SwVersion = typeof(MqttUplink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
        };
        string prefix = _config.DiscoveryPrefix;
        foreach (var rule in _subject.Rules)
        {
            string id = "rule_" + HomeAssistantDiscovery.Id(rule);
            yield return (HomeAssistantDiscovery.Topic(prefix, "binary_sensor", _nodeId, id), new DiscoveryDocument
            {
                Name = rule, UniqueId = $"{_nodeId}_{id}", StateTopic = Topics.RuleState(rule), AvailabilityTopic = Topics.Availability,
                PayloadOn = "ON", PayloadOff = "OFF", Icon = "mdi:eye", Device = device,
            });
        }
        foreach (var v in PipelineValues.Concat(_subject.Measured))
        {
            string id = "sensor_" + v.Id;
            yield return (HomeAssistantDiscovery.Topic(prefix, "sensor", _nodeId, id), new DiscoveryDocument
            {
                Name = v.Name, UniqueId = $"{_nodeId}_{id}", StateTopic = Topics.SensorState(v.Id), AvailabilityTopic = Topics.Availability,
                UnitOfMeasurement = v.Unit, DeviceClass = v.DeviceClass, StateClass = v.StateClass, Icon = v.Icon, Device = device,
            });
        }
        foreach (var (name, _) in _subject.Outputs)
        {
            string id = "output_" + HomeAssistantDiscovery.Id(name);
            yield return (HomeAssistantDiscovery.Topic(prefix, _config.Commands ? "switch" : "binary_sensor", _nodeId, id), new DiscoveryDocument
            {
                Name = name, UniqueId = $"{_nodeId}_{id}", StateTopic = Topics.OutputState(name), AvailabilityTopic = Topics.Availability,
                CommandTopic = _config.Commands ? Topics.OutputCommand(name) : null,
                PayloadOn = "ON", PayloadOff = "OFF", Icon = "mdi:electric-switch", Device = device,
            });
        }
    }
}
