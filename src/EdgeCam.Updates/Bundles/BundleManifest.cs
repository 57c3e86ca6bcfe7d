using System.Text.Json.Serialization;

namespace EdgeCam.Updates.Bundles;

/// <summary>
/// bundle.json, the first entry of a model bundle (a zip): what the bundle holds. A bundle is the
/// ONNX model, its model card, self-test vectors (input tensors with the outputs the model must
/// give within a tolerance) and a version.
/// </summary>
public sealed class BundleManifest
{
    public const string FileName = "bundle.json";

    /// <summary>The model line, e.g. "blazeface-front".</summary>
    public string Name { get; set; } = "";
    /// <summary>Dotted numbers, e.g. "1.2.0".</summary>
    public string Version { get; set; } = "";
    /// <summary>Entry name of the ONNX model.</summary>
    public string Model { get; set; } = "model.onnx";
    /// <summary>Entry name of the model card.</summary>
    public string Card { get; set; } = "model.card.json";
    public SelfTestSpec SelfTest { get; set; } = new();
}

public sealed class SelfTestSpec
{
    /// <summary>Largest allowed absolute difference between an output and its expected value.</summary>
    public double Tolerance { get; set; } = 1e-4;
    public List<SelfTestVector> Vectors { get; set; } = [];
}

public sealed class SelfTestVector
{
    public List<TensorEntry> Inputs { get; set; } = [];
    public List<TensorEntry> Outputs { get; set; } = [];
}

/// <summary>A raw little-endian tensor stored as a bundle entry.</summary>
public sealed class TensorEntry
{
    public string Name { get; set; } = "";
    public string File { get; set; } = "";
    public long[] Shape { get; set; } = [];
    /// <summary>"float32" (the only type self-tests use today), "uint8" or "int8".</summary>
    public string ElementType { get; set; } = "float32";
}

/// <summary>installed.json, written into an installed bundle's directory before it is committed:
/// every file's SHA-256, so a start can check the bundle is whole before running it.</summary>
public sealed class InstalledBundle
{
    public const string FileName = "installed.json";
    public string Name { get; set; } = "";
    public string Version { get; set; } = "";
    /// <summary>SHA-256 of the bundle file as the targets metadata declared it.</summary>
    public string BundleSha256 { get; set; } = "";
    public Dictionary<string, string> Files { get; set; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(BundleManifest))]
[JsonSerializable(typeof(InstalledBundle))]
public sealed partial class BundleJsonContext : JsonSerializerContext;
