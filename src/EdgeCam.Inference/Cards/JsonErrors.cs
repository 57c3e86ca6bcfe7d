using System.Text.Json;

namespace EdgeCam.Inference.Cards;

/// <summary>Turns System.Text.Json's exceptions into one line a person can act on:
/// the JSON path (without the leading "$."), the line, and what was expected.</summary>
public static class JsonErrors
{
    public static string Describe(JsonException e)
    {
        string path = e.Path is { Length: > 0 } p ? p.TrimStart('$').TrimStart('.') : "";
        string where = e.LineNumber is { } line ? $" (line {line + 1})" : "";
        string message = e.Message;
        string what;
        int unknown = message.IndexOf("could not be mapped to any .NET member", StringComparison.Ordinal);
        if (unknown >= 0)
        {
            // "The JSON property 'foo' could not be mapped ..." -> name the unknown key.
            int q1 = message.IndexOf('\'');
            int q2 = q1 >= 0 ? message.IndexOf('\'', q1 + 1) : -1;
            string key = q1 >= 0 && q2 > q1 ? message[(q1 + 1)..q2] : "?";
            string full = path.Length == 0 ? key : path.EndsWith(key, StringComparison.Ordinal) ? path : $"{path}.{key}";
            return $"{full}: unknown key{where}";
        }
        int conv = message.IndexOf("could not be converted to ", StringComparison.Ordinal);
        if (conv >= 0)
        {
            string type = message[(conv + "could not be converted to ".Length)..];
            type = type.Split(' ')[0].TrimEnd('.');
            what = $"wrong type, expected {Expected(type)}";
        }
        else if (message.Contains("invalid", StringComparison.OrdinalIgnoreCase) || e.InnerException is not null)
        {
            what = "not valid JSON: " + FirstSentence(message);
        }
        else
        {
            what = FirstSentence(message);
        }
        return path.Length == 0 ? $"{what}{where}" : $"{path}: {what}{where}";
    }

    private static string Expected(string dotnetType) => dotnetType switch
    {
        "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" => "an integer",
        "System.Single" or "System.Double" or "System.Nullable`1[System.Single]" => "a number",
        "System.Boolean" or "System.Nullable`1[System.Boolean]" => "true or false",
        "System.String" => "a string",
        _ when dotnetType.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal) => "an array",
        _ when dotnetType.EndsWith("[]", StringComparison.Ordinal) => "an array",
        _ => "an object",
    };

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }
}
