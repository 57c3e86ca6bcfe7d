using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCam.Inference.Cards;

/// <summary>Source-generated (AOT-safe) JSON for model cards: camelCase, comments allowed,
/// unknown keys rejected so a typo is an error rather than a silently ignored setting.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ModelCard))]
internal sealed partial class ModelCardJsonContext : JsonSerializerContext;
