using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCam.Messaging.HomeAssistant;

/// <summary>
/// One Home Assistant MQTT discovery document: published retained to
/// <c>&lt;prefix&gt;/&lt;component&gt;/&lt;node_id&gt;/&lt;object_id&gt;/config</c>, it makes an entity
/// appear (binary_sensor, sensor, switch) bound to our state and command topics. Field names are
/// Home Assistant's (snake_case); absent fields are left out.
/// </summary>
public sealed class DiscoveryDocument
{
    public required string Name { get; init; }
    public required string UniqueId { get; init; }
    public required string StateTopic { get; init; }
    public string? CommandTopic { get; init; }
    public required string AvailabilityTopic { get; init; }
    public string PayloadAvailable { get; init; } = "online";
    public string PayloadNotAvailable { get; init; } = "offline";
    public string? PayloadOn { get; init; }
    public string? PayloadOff { get; init; }
    public string? UnitOfMeasurement { get; init; }
    public string? DeviceClass { get; init; }
    public string? StateClass { get; init; }
    public string? Icon { get; init; }
    public required DiscoveryDevice Device { get; init; }
}

/// <summary>The device all of one camera's entities belong to.</summary>
public sealed class DiscoveryDevice
{
    public required string[] Identifiers { get; init; }
    public required string Name { get; init; }
    public string Manufacturer { get; init; } = "EdgeCam";
    public string? Model { get; init; }
    public string? SwVersion { get; init; }
}

public static class HomeAssistantDiscovery
{
    /// <summary>The config topic for one entity.</summary>
    public static string Topic(string discoveryPrefix, string component, string nodeId, string objectId) =>
        $"{discoveryPrefix}/{component}/{nodeId}/{objectId}/config";

    public static byte[] Serialize(DiscoveryDocument document) =>
        JsonSerializer.SerializeToUtf8Bytes(document, DiscoveryJsonContext.Default.DiscoveryDocument);

    /// <summary>Node and object ids may hold only [a-zA-Z0-9_-] (Home Assistant's rule); anything
    /// else becomes '_', so any rule or output name gives a usable id.</summary>
    public static string Id(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '_' or '-')) chars[i] = '_';
        return chars.Length == 0 ? "_" : new string(chars);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DiscoveryDocument))]
internal sealed partial class DiscoveryJsonContext : JsonSerializerContext;
