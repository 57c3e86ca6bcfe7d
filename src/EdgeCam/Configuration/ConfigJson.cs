using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCam.Configuration;

/// <summary>Source-generated (AOT-safe) JSON for the configuration file: camelCase keys, comments
/// and trailing commas allowed, unknown keys rejected (a typo must not be silently ignored).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EdgeCamConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
