using System.Text.Json.Serialization;

namespace EdgeCam.Upstream;

/// <summary>A rule event as published on the events topic: the same fields as the stdout JSON line.</summary>
internal sealed record RuleEventMessage(string Event, string Rule, string State, long Frame, long TimeMs, double Score, int Count);

/// <summary>An output change; <see cref="Source"/> says whether a rule or an MQTT command made it.</summary>
internal sealed record OutputEventMessage(string Event, string Output, bool Value, long Frame, long TimeMs, string Source);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RuleEventMessage))]
[JsonSerializable(typeof(OutputEventMessage))]
internal sealed partial class UplinkJsonContext : JsonSerializerContext;
