using System.Text;

namespace EdgeCam.Http;

/// <summary>
/// Guards mutating endpoints with "Authorization: Bearer TOKEN" against the token in the config.
/// The comparison takes the same time whatever the offered token is, so it cannot be guessed byte
/// by byte from response times.
/// </summary>
public sealed class BearerToken(string? configured)
{
    private readonly byte[]? _token = configured is null ? null : Encoding.UTF8.GetBytes(configured);

    /// <summary>Null when the request may proceed, otherwise the 401/403 to answer with.</summary>
    public HttpResponse? Refuse(HttpRequest request)
    {
        if (_token is null)
            return HttpResponse.Text(403, "mutating endpoints are disabled: no http.token is set in the config");
        string? header = request.Header("Authorization");
        if (header is null)
            return HttpResponse.Text(401, "missing bearer token: send \"Authorization: Bearer <http.token from the config>\"")
                .With("WWW-Authenticate", "Bearer realm=\"edgecam\"");
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return HttpResponse.Text(401, "the Authorization header is not \"Bearer <token>\"")
                .With("WWW-Authenticate", "Bearer realm=\"edgecam\", error=\"invalid_request\"");
        if (!FixedTimeEquals(Encoding.UTF8.GetBytes(header[7..].Trim()), _token))
            return HttpResponse.Text(403, "the bearer token does not match http.token")
                .With("WWW-Authenticate", "Bearer realm=\"edgecam\", error=\"invalid_token\"");
        return null;
    }

    /// <summary>Compares every byte of the configured token whatever the offered one is (no early exit).</summary>
    public static bool FixedTimeEquals(ReadOnlySpan<byte> offered, ReadOnlySpan<byte> expected)
    {
        int diff = offered.Length ^ expected.Length;
        for (int i = 0; i < expected.Length; i++)
            diff |= (i < offered.Length ? offered[i] : 0) ^ expected[i];
        return diff == 0;
    }
}
