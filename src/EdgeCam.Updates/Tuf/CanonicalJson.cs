using System.Text;
using System.Text.Json;

namespace EdgeCam.Updates.Tuf;

/// <summary>
/// The canonical JSON form TUF signs (the OLPC canonical JSON that TUF's reference implementation
/// uses): objects with keys sorted by code point, no insignificant whitespace, strings escaping only
/// '"' and '\', integers only. Signing the canonical bytes rather than the file's bytes lets
/// metadata be pretty-printed or re-serialised without breaking its signatures.
/// </summary>
public static class CanonicalJson
{
    public static byte[] Encode(JsonElement element)
    {
        var buffer = new MemoryStream();
        Write(buffer, element, "$");
        return buffer.ToArray();
    }

    private static void Write(MemoryStream output, JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                output.WriteByte((byte)'{');
                var properties = element.EnumerateObject().ToList();
                properties.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                for (int i = 0; i < properties.Count; i++)
                {
                    if (i > 0 && properties[i].Name == properties[i - 1].Name)
                        throw new FormatException($"{path}: key '{properties[i].Name}' appears twice");
                    if (i > 0) output.WriteByte((byte)',');
                    WriteString(output, properties[i].Name);
                    output.WriteByte((byte)':');
                    Write(output, properties[i].Value, $"{path}.{properties[i].Name}");
                }
                output.WriteByte((byte)'}');
                break;
            case JsonValueKind.Array:
                output.WriteByte((byte)'[');
                int index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (index > 0) output.WriteByte((byte)',');
                    Write(output, item, $"{path}[{index++}]");
                }
                output.WriteByte((byte)']');
                break;
            case JsonValueKind.String:
                WriteString(output, element.GetString()!);
                break;
            case JsonValueKind.Number:
                if (!element.TryGetInt64(out long number))
                    throw new FormatException($"{path}: {element.GetRawText()} is not an integer (canonical JSON has integers only)");
                output.Write(Encoding.ASCII.GetBytes(number.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                break;
            case JsonValueKind.True: output.Write("true"u8); break;
            case JsonValueKind.False: output.Write("false"u8); break;
            case JsonValueKind.Null: output.Write("null"u8); break;
            default: throw new FormatException($"{path}: unexpected {element.ValueKind}");
        }
    }

    private static void WriteString(MemoryStream output, string value)
    {
        output.WriteByte((byte)'"');
        // Only '"' and '\' are escaped; every other character is written as its UTF-8 bytes.
        var bytes = Encoding.UTF8.GetBytes(value.Replace("\\", "\\\\").Replace("\"", "\\\""));
        output.Write(bytes);
        output.WriteByte((byte)'"');
    }
}
