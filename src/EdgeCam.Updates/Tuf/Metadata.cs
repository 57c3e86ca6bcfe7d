using System.Text.Json.Serialization;

namespace EdgeCam.Updates.Tuf;

// The four TUF roles' "signed" parts, with the specification's field names (TUF 1.0, section 4).
// Unknown fields are ignored on read; they are still covered by the signature because signatures
// are checked over the canonical form of the whole "signed" object, not over these classes.

public abstract class RoleMetadata
{
    [JsonPropertyName("_type")] public string Type { get; set; } = "";
    [JsonPropertyName("spec_version")] public string SpecVersion { get; set; } = TufSpec.Version;
    [JsonPropertyName("version")] public long Version { get; set; }
    /// <summary>UTC, ISO 8601 with a 'Z' (e.g. 2027-01-01T00:00:00Z).</summary>
    [JsonPropertyName("expires")] public string Expires { get; set; } = "";
}

public sealed class RootMetadata : RoleMetadata
{
    [JsonPropertyName("consistent_snapshot")] public bool ConsistentSnapshot { get; set; }
    [JsonPropertyName("keys")] public Dictionary<string, KeyDescription> Keys { get; set; } = [];
    [JsonPropertyName("roles")] public Dictionary<string, RoleKeys> Roles { get; set; } = [];
}

public sealed class KeyDescription
{
    [JsonPropertyName("keytype")] public string KeyType { get; set; } = "";
    [JsonPropertyName("scheme")] public string Scheme { get; set; } = "";
    [JsonPropertyName("keyval")] public KeyValue KeyVal { get; set; } = new();
}

public sealed class KeyValue
{
    /// <summary>The public key as PEM (SubjectPublicKeyInfo).</summary>
    [JsonPropertyName("public")] public string Public { get; set; } = "";
}

public sealed class RoleKeys
{
    [JsonPropertyName("keyids")] public List<string> KeyIds { get; set; } = [];
    [JsonPropertyName("threshold")] public int Threshold { get; set; }
}

public sealed class TimestampMetadata : RoleMetadata
{
    /// <summary>Exactly one entry: "snapshot.json".</summary>
    [JsonPropertyName("meta")] public Dictionary<string, MetaFile> Meta { get; set; } = [];
}

public sealed class SnapshotMetadata : RoleMetadata
{
    /// <summary>"targets.json" (and delegated targets roles, which EdgeCam does not use).</summary>
    [JsonPropertyName("meta")] public Dictionary<string, MetaFile> Meta { get; set; } = [];
}

public sealed class MetaFile
{
    [JsonPropertyName("version")] public long Version { get; set; }
    [JsonPropertyName("length")] public long? Length { get; set; }
    [JsonPropertyName("hashes")] public Dictionary<string, string>? Hashes { get; set; }
}

public sealed class TargetsMetadata : RoleMetadata
{
    [JsonPropertyName("targets")] public Dictionary<string, TargetFile> Targets { get; set; } = [];
}

public sealed class TargetFile
{
    [JsonPropertyName("length")] public long Length { get; set; }
    [JsonPropertyName("hashes")] public Dictionary<string, string> Hashes { get; set; } = [];
    [JsonPropertyName("custom")] public BundleTargetInfo? Custom { get; set; }
}

/// <summary>EdgeCam's "custom" part of a target: what the bundle is and where it may run.</summary>
public sealed class BundleTargetInfo
{
    /// <summary>The model line the bundle belongs to (a device follows one, e.g. "blazeface-front").</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    /// <summary>The bundle's version (dotted numbers); a device only takes a newer one.</summary>
    [JsonPropertyName("version")] public string Version { get; set; } = "";
    /// <summary>Hardware tags the bundle runs on (e.g. "linux-x64", "linux-arm64", "rpi5"); a device needs one of them.</summary>
    [JsonPropertyName("hardware")] public List<string> Hardware { get; set; } = [];
    /// <summary>The oldest edgecam that can run the bundle.</summary>
    [JsonPropertyName("minEdgecamVersion")] public string MinEdgecamVersion { get; set; } = "0.0.0";
}

public static class TufSpec
{
    public const string Version = "1.0.31";
    public const string KeyType = "ecdsa";
    public const string Scheme = "ecdsa-sha2-nistp256";
    public static readonly string[] TopLevelRoles = ["root", "targets", "snapshot", "timestamp"];
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RootMetadata))]
[JsonSerializable(typeof(TimestampMetadata))]
[JsonSerializable(typeof(SnapshotMetadata))]
[JsonSerializable(typeof(TargetsMetadata))]
[JsonSerializable(typeof(KeyDescription))]
public sealed partial class TufJsonContext : JsonSerializerContext;
