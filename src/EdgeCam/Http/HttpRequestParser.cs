using System.Text;

namespace EdgeCam.Http;

/// <summary>Why a request could not be parsed: the status to answer with and a one-line reason.</summary>
public sealed class HttpParseException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// Parses the head of an HTTP/1.0 or 1.1 request (request line and header fields, RFC 9112) from
/// bytes ending in CRLF CRLF. Strict on purpose: a device API has no reason to accept obsolete
/// line folding, absolute-form targets, control characters or chunked uploads.
/// </summary>
public static class HttpRequestParser
{
    public const int MaxTargetLength = 2048;

    /// <summary>Index just past the CRLF CRLF ending the head, or -1 when it has not arrived yet.</summary>
    public static int FindHeadEnd(ReadOnlySpan<byte> data)
    {
        int i = data.IndexOf("\r\n\r\n"u8);
        return i < 0 ? -1 : i + 4;
    }

    /// <summary>Parses the head; returns the request (with an empty body) and the declared body length.</summary>
    public static (string Method, string Path, string Query, bool Http11, List<KeyValuePair<string, string>> Headers, int ContentLength)
        ParseHead(ReadOnlySpan<byte> head, int maxBodyBytes)
    {
        foreach (byte b in head)
            if (b >= 0x80 || (b < 0x20 && b != '\r' && b != '\n' && b != '\t'))
                throw new HttpParseException(400, "the request head contains a byte that is not printable ASCII");
        string text = Encoding.ASCII.GetString(head[..^4]);
        string[] lines = text.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0].Length == 0)
            throw new HttpParseException(400, $"malformed request line \"{Truncate(lines[0])}\", expected METHOD TARGET HTTP/1.1");
        string method = requestLine[0], target = requestLine[1], version = requestLine[2];
        foreach (char c in method)
            if (!char.IsAsciiLetterUpper(c)) throw new HttpParseException(400, $"method \"{Truncate(method)}\" is not an upper-case token");
        if (version is not ("HTTP/1.1" or "HTTP/1.0"))
            throw new HttpParseException(505, $"\"{Truncate(version)}\" is not supported, expected HTTP/1.1 or HTTP/1.0");
        if (target.Length > MaxTargetLength)
            throw new HttpParseException(414, $"request target of {target.Length} characters is longer than {MaxTargetLength}");
        if (target.Length == 0 || target[0] != '/')
            throw new HttpParseException(400, $"request target \"{Truncate(target)}\" is not a path starting with '/'");
        int q = target.IndexOf('?');
        string path = q < 0 ? target : target[..q];
        string query = q < 0 ? "" : target[(q + 1)..];

        var headers = new List<KeyValuePair<string, string>>();
        int contentLength = 0;
        bool sawLength = false;
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
                throw new HttpParseException(400, "obsolete header line folding is not accepted");
            int colon = line.IndexOf(':');
            if (colon <= 0) throw new HttpParseException(400, $"malformed header line \"{Truncate(line)}\", expected Name: value");
            string name = line[..colon];
            foreach (char c in name)
                if (c <= ' ' || c is '(' or ')' or '<' or '>' or '@' or ',' or ';' or '\\' or '"' or '/' or '[' or ']' or '?' or '=' or '{' or '}')
                    throw new HttpParseException(400, $"header name \"{Truncate(name)}\" is not a token");
            string value = line[(colon + 1)..].Trim(' ', '\t');
            headers.Add(new(name, value));
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                throw new HttpParseException(411, "Transfer-Encoding is not accepted; send a Content-Length");
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (sawLength || !int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out contentLength))
                    throw new HttpParseException(400, $"Content-Length \"{Truncate(value)}\" is not one non-negative integer");
                sawLength = true;
                if (contentLength > maxBodyBytes)
                    throw new HttpParseException(413, $"a body of {contentLength} bytes is larger than the {maxBodyBytes} this API accepts");
            }
        }
        bool http11 = version == "HTTP/1.1";
        if (http11 && !headers.Exists(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)))
            throw new HttpParseException(400, "HTTP/1.1 request without a Host header");
        return (method, path, query, http11, headers, contentLength);
    }

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "...";
}
