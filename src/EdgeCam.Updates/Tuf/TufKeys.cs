using System.Security.Cryptography;
using System.Text.Json;

namespace EdgeCam.Updates.Tuf;

/// <summary>
/// ECDSA P-256 keys as TUF describes them: a key's id is the SHA-256 of the canonical JSON of its
/// public description, and a signature is the hex of a DER-encoded ECDSA signature over the SHA-256
/// of the canonical "signed" bytes (securesystemslib's ecdsa-sha2-nistp256 scheme).
/// </summary>
public static class TufKeys
{
    public static KeyDescription Describe(ECDsa key) => new()
    {
        KeyType = TufSpec.KeyType,
        Scheme = TufSpec.Scheme,
        KeyVal = new KeyValue { Public = key.ExportSubjectPublicKeyInfoPem() },
    };

    public static string KeyId(KeyDescription key)
    {
        var element = JsonSerializer.SerializeToElement(key, TufJsonContext.Default.KeyDescription);
        return Convert.ToHexStringLower(SHA256.HashData(CanonicalJson.Encode(element)));
    }

    public static string KeyId(ECDsa key) => KeyId(Describe(key));

    public static string Sign(ECDsa key, ReadOnlySpan<byte> canonicalSigned) =>
        Convert.ToHexStringLower(key.SignData(canonicalSigned, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    /// <summary>A verifier for a key description; throws for a key type or scheme EdgeCam does not accept.</summary>
    public static ECDsa PublicKey(KeyDescription key, string keyId)
    {
        if (key.KeyType != TufSpec.KeyType || key.Scheme != TufSpec.Scheme)
            throw new UpdateRejectedException(UpdateFailure.Malformed,
                $"key {Short(keyId)}: keytype '{key.KeyType}' scheme '{key.Scheme}' is not supported (expected {TufSpec.KeyType}/{TufSpec.Scheme})");
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(key.KeyVal.Public);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            ecdsa.Dispose();
            throw new UpdateRejectedException(UpdateFailure.Malformed, $"key {Short(keyId)}: not a PEM public key: {e.Message}");
        }
        if (ecdsa.KeySize != 256)
        {
            ecdsa.Dispose();
            throw new UpdateRejectedException(UpdateFailure.Malformed, $"key {Short(keyId)}: {ecdsa.KeySize}-bit curve, expected P-256");
        }
        return ecdsa;
    }

    public static bool Verify(ECDsa key, ReadOnlySpan<byte> canonicalSigned, string signatureHex)
    {
        byte[] signature;
        try
        {
            signature = Convert.FromHexString(signatureHex);
        }
        catch (FormatException)
        {
            return false;
        }
        try
        {
            return key.VerifyData(canonicalSigned, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public static string Short(string keyId) => keyId.Length > 12 ? keyId[..12] : keyId;
}
