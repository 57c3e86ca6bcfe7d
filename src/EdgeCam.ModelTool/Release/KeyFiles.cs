using System.Security.Cryptography;
using EdgeCam.Updates.Tuf;

namespace EdgeCam.ModelTool.Release;

/// <summary>
/// Signing keys as files: NAME.key holds the private key (PKCS#8 PEM, created 0600, never printed),
/// NAME.pub the public key (SubjectPublicKeyInfo PEM). Either file identifies the key by its TUF key id.
/// </summary>
public static class KeyFiles
{
    public static (string PrivatePath, string PublicPath, string KeyId) Generate(string basePath)
    {
        string privatePath = basePath + ".key", publicPath = basePath + ".pub";
        foreach (string p in new[] { privatePath, publicPath })
            if (File.Exists(p)) throw new ToolException($"{p}: exists; refusing to overwrite a key");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
        };
        // Created 0600 from the start: no moment where another user could open it.
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(basePath))!);
        using (var stream = new FileStream(privatePath, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(publicPath, key.ExportSubjectPublicKeyInfoPem());
        return (privatePath, publicPath, TufKeys.KeyId(key));
    }

    public static ECDsa LoadPrivate(string path)
    {
        if (!File.Exists(path)) throw new ToolException($"{path}: no such key file");
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            throw new ToolException($"{path}: a private key must not be readable by group or others (chmod 600 {path})");
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256) throw new ToolException($"{path}: a {key.KeySize}-bit key; TUF keys here are P-256");
            // A PEM with only a public key imports too; signing would then fail late.
            key.ExportParameters(includePrivateParameters: true);
            return key;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new ToolException($"{path}: not a PEM private key ({e.GetType().Name})");
        }
    }

    public static KeyDescription LoadPublic(string path)
    {
        if (!File.Exists(path)) throw new ToolException($"{path}: no such key file");
        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new ToolException($"{path}: not a PEM key ({e.GetType().Name})");
        }
        return TufKeys.Describe(key);
    }
}

/// <summary>An error for the tool's user: one line, exit code 1.</summary>
public sealed class ToolException(string message) : Exception(message);
