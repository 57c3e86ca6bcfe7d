using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EdgeCam.Updates.Tuf;

/// <summary>One signature of a metadata file.</summary>
public readonly record struct TufSignature(string KeyId, string Sig);

/// <summary>
/// A metadata file as it travels: {"signed": {...}, "signatures": [{"keyid", "sig"}]}. Holds the
/// canonical bytes of "signed" (what the signatures cover) and the typed role it describes.
/// </summary>
public sealed class SignedMetadata<T> where T : RoleMetadata
{
    public required T Signed { get; init; }
    public required byte[] CanonicalSigned { get; init; }
    public required IReadOnlyList<TufSignature> Signatures { get; init; }
    /// <summary>The file's own bytes, kept so the trusted copy is stored exactly as received.</summary>
    public required byte[] Raw { get; init; }

    /// <summary>Parses a metadata file of role <paramref name="role"/>; <paramref name="origin"/> names it in errors.</summary>
    public static SignedMetadata<T> Parse(byte[] bytes, string role, JsonTypeInfo<T> typeInfo, string origin)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("signed", out var signed) || signed.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("signatures", out var signatures) || signatures.ValueKind != JsonValueKind.Array)
                throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: not TUF metadata (expected an object with 'signed' and 'signatures')");
            var list = new List<TufSignature>();
            foreach (var s in signatures.EnumerateArray())
            {
                if (s.ValueKind != JsonValueKind.Object
                    || !s.TryGetProperty("keyid", out var keyId) || keyId.ValueKind != JsonValueKind.String
                    || !s.TryGetProperty("sig", out var sig) || sig.ValueKind != JsonValueKind.String)
                    throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: signatures[{list.Count}] needs string 'keyid' and 'sig'");
                list.Add(new TufSignature(keyId.GetString()!, sig.GetString()!));
            }
            var typed = signed.Deserialize(typeInfo)
                ?? throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: 'signed' is null");
            if (typed.Type != role)
                throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: _type is '{typed.Type}', expected '{role}'");
            return new SignedMetadata<T> { Signed = typed, CanonicalSigned = CanonicalJson.Encode(signed), Signatures = list, Raw = bytes };
        }
        catch (JsonException e)
        {
            throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: {e.Message}");
        }
        catch (FormatException e)
        {
            throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: {e.Message}");
        }
    }

    /// <summary>
    /// Checks that at least the role's threshold of distinct keys the root lists for it signed these
    /// canonical bytes. Several signatures by one key (same key id, or the same public key under
    /// another id) count once.
    /// </summary>
    public void VerifyRole(RootMetadata root, string role, string origin)
    {
        if (!root.Roles.TryGetValue(role, out var roleKeys))
            throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: the root lists no '{role}' role");
        if (roleKeys.Threshold < 1)
            throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: role '{role}' has threshold {roleKeys.Threshold}, must be >= 1");
        var counted = new HashSet<string>(StringComparer.Ordinal);
        string? firstProblem = null;
        foreach (var signature in Signatures)
        {
            if (!roleKeys.KeyIds.Contains(signature.KeyId) || !root.Keys.TryGetValue(signature.KeyId, out var description))
            {
                firstProblem ??= $"signature by key {TufKeys.Short(signature.KeyId)}, which is not a '{role}' key of root v{root.Version}";
                continue;
            }
            using var key = TufKeys.PublicKey(description, signature.KeyId);
            if (!TufKeys.Verify(key, CanonicalSigned, signature.Sig))
            {
                firstProblem ??= $"signature by key {TufKeys.Short(signature.KeyId)} does not verify over this content";
                continue;
            }
            counted.Add(Convert.ToHexString(key.ExportSubjectPublicKeyInfo()));
        }
        if (counted.Count >= roleKeys.Threshold) return;
        if (counted.Count == 0 && firstProblem is not null)
            throw new UpdateRejectedException(UpdateFailure.Signature, $"{origin}: {firstProblem}");
        throw new UpdateRejectedException(UpdateFailure.Threshold,
            $"{origin}: {counted.Count} valid signature(s) from distinct '{role}' keys, threshold is {roleKeys.Threshold}" +
            (firstProblem is null ? "" : $" ({firstProblem})"));
    }

    public DateTimeOffset ExpiresAt(string origin) => TufTime.Parse(Signed.Expires, origin);
}

public static class TufTime
{
    public static DateTimeOffset Parse(string value, string origin)
    {
        if (!value.EndsWith('Z') || !DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var at))
            throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: expires '{value}' is not a UTC ISO 8601 time like 2027-01-01T00:00:00Z");
        return at;
    }

    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
