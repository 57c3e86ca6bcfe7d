using System.Text.Json.Serialization;
using EdgeCam.ModelTool.Inspect;

namespace EdgeCam.ModelTool.Cli;

/// <summary>Source-generated JSON for the reports the tool prints with --json.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InspectReport))]
[JsonSerializable(typeof(EdgeCam.ModelTool.Evaluation.EvalReport))]
public sealed partial class ReportJson : JsonSerializerContext;
