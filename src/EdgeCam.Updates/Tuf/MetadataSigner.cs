using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EdgeCam.Updates.Tuf;

/// <summary>Produces signed metadata files: the role's canonical bytes signed by each given key.</summary>
public static class MetadataSigner
{
    public static byte[] Sign<T>(T signed, JsonTypeInfo<T> typeInfo, IEnumerable<ECDsa> keys) where T : RoleMetadata
    {
        var element = JsonSerializer.SerializeToElement(signed, typeInfo);
        byte[] canonical = CanonicalJson.Encode(element);
        var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("signatures");
            writer.WriteStartArray();
            foreach (var key in keys)
            {
                writer.WriteStartObject();
                writer.WriteString("keyid", TufKeys.KeyId(key));
                writer.WriteString("sig", TufKeys.Sign(key, canonical));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WritePropertyName("signed");
            element.WriteTo(writer);
            writer.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
        return output.ToArray();
    }

    /// <summary>The length and SHA-256 of a file as snapshot/timestamp/targets metadata records them.</summary>
    public static (long Length, string Sha256) Describe(ReadOnlySpan<byte> bytes) =>
        (bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
}
