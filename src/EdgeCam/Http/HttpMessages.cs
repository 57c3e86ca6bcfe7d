using System.Text;

namespace EdgeCam.Http;

/// <summary>One parsed HTTP/1.x request: origin-form target split into path and query, headers in
/// arrival order, the body (small: <see cref="HttpServerLimits.MaxBodyBytes"/>).</summary>
public sealed class HttpRequest(string method, string path, string query, bool http11, List<KeyValuePair<string, string>> headers, byte[] body)
{
    public string Method { get; } = method;
    /// <summary>The percent-encoded path, e.g. "/outputs/door%20light/pulse".</summary>
    public string Path { get; } = path;
    public string Query { get; } = query;
    public bool Http11 { get; } = http11;
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; } = headers;
    public byte[] Body { get; } = body;

    public string? Header(string name)
    {
        foreach (var h in headers)
            if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)) return h.Value;
        return null;
    }

    /// <summary>The decoded value of a query parameter, or null.</summary>
    public string? QueryValue(string name)
    {
        foreach (var part in Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string key = eq < 0 ? part : part[..eq];
            if (Uri.UnescapeDataString(key) == name) return eq < 0 ? "" : Uri.UnescapeDataString(part[(eq + 1)..].Replace('+', ' '));
        }
        return null;
    }

    /// <summary>Whether the client wants the connection kept open after the response.</summary>
    public bool WantsKeepAlive
    {
        get
        {
            string? connection = Header("Connection");
            if (connection is null) return Http11;
            if (connection.Contains("close", StringComparison.OrdinalIgnoreCase)) return false;
            return Http11 || connection.Contains("keep-alive", StringComparison.OrdinalIgnoreCase);
        }
    }
}

/// <summary>A complete response; bodies are small and built in memory.</summary>
public sealed class HttpResponse(int status, string contentType, byte[] body)
{
    public int Status { get; } = status;
    public string ContentType { get; } = contentType;
    public byte[] Body { get; } = body;
    /// <summary>Extra headers, e.g. WWW-Authenticate or Allow.</summary>
    public List<KeyValuePair<string, string>> Headers { get; } = [];

    public static HttpResponse Text(int status, string text) =>
        new(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text.EndsWith('\n') ? text : text + "\n"));

    public static HttpResponse Json(int status, byte[] json) => new(status, "application/json", json);

    public HttpResponse With(string header, string value)
    {
        Headers.Add(new(header, value));
        return this;
    }

    public static string Reason(int status) => status switch
    {
        200 => "OK",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    };
}
