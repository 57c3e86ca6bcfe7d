using System.IO.Compression;
using System.Text;
using System.Text.Json;
using EdgeCam.ModelTool.Release;
using EdgeCam.Updates.Bundles;
using EdgeCam.Updates.Storage;
using EdgeCam.Updates.Tuf;

namespace EdgeCam.Tests.Updates;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TufPrimitivesTests : IDisposable
{
    private readonly string _dir = TestAssets.TempDir("tuf");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static string Canonical(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Encoding.UTF8.GetString(CanonicalJson.Encode(doc.RootElement));
    }

    [Fact]
    public void CanonicalJsonSortsKeysDropsWhitespaceAndEscapesOnlyQuoteAndBackslash()
    {
        Assert.Equal("{\"a\":[1,true,null],\"b\":\"x\\\"y\\\\z\",\"c\":{\"A\":-3,\"a\":0}}",
            Canonical("{ \"c\": {\"a\": 0, \"A\": -3}, \"b\": \"x\\\"y\\\\z\", \"a\": [ 1, true, null ] }"));
        // Non-ASCII and control characters are written as their UTF-8 bytes, not \\u escapes.
        Assert.Equal("\"é\n\"", Canonical("\"\\u00e9\\n\""));
    }

    [Fact]
    public void CanonicalJsonRefusesFloatsAndDuplicateKeys()
    {
        Assert.Contains("not an integer", Assert.Throws<FormatException>(() => Canonical("{\"v\": 1.5}")).Message);
        Assert.Contains("appears twice", Assert.Throws<FormatException>(() => Canonical("{\"v\": 1, \"v\": 2}")).Message);
    }

    [Fact]
    public void KeyIdIsTheHashOfTheCanonicalKeyAndSignaturesVerifyOnlyTheirContent()
    {
        var (priv, pub, keyId) = KeyFiles.Generate(Path.Combine(_dir, "k"));
        using var key = KeyFiles.LoadPrivate(priv);
        Assert.Equal(keyId, TufKeys.KeyId(KeyFiles.LoadPublic(pub)));
        Assert.Equal(64, keyId.Length);
        byte[] content = "{\"a\":1}"u8.ToArray();
        string sig = TufKeys.Sign(key, content);
        using var verifier = TufKeys.PublicKey(KeyFiles.LoadPublic(pub), keyId);
        Assert.True(TufKeys.Verify(verifier, content, sig));
        Assert.False(TufKeys.Verify(verifier, "{\"a\":2}"u8, sig));
        Assert.False(TufKeys.Verify(verifier, content, "zz"));
    }

    [Fact]
    public void KeygenWritesThePrivateKey0600AndRefusesToOverwriteOrUseAReadableKey()
    {
        var (priv, pub, _) = KeyFiles.Generate(Path.Combine(_dir, "k"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(priv));
        Assert.DoesNotContain("PRIVATE", File.ReadAllText(pub));
        Assert.Contains("exists", Assert.Throws<ToolException>(() => KeyFiles.Generate(Path.Combine(_dir, "k"))).Message);
        File.SetUnixFileMode(priv, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.Contains("chmod 600", Assert.Throws<ToolException>(() => KeyFiles.LoadPrivate(priv)).Message);
        File.SetUnixFileMode(pub, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Contains("not a PEM private key", Assert.Throws<ToolException>(() => KeyFiles.LoadPrivate(pub)).Message);
    }

    [Fact]
    public void KeygenCommandPrintsTheKeyIdButNeverThePrivateKey()
    {
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, EdgeCam.ModelTool.Program.Main(["keygen", "--out", Path.Combine(_dir, "cli")]));
        }
        finally
        {
            Console.SetOut(previous);
        }
        string printed = output.ToString();
        Assert.Contains("key ", printed);
        Assert.DoesNotContain("PRIVATE KEY", printed);
        string pem = File.ReadAllText(Path.Combine(_dir, "cli.key"));
        string body = pem.Split('\n')[1];
        Assert.DoesNotContain(body, printed);
    }

    [Fact]
    public void BundleEntriesMustBePlainNames()
    {
        string zipPath = Path.Combine(_dir, "evil.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            var manifest = new BundleManifest { Name = "m", Version = "1.0", SelfTest = new() { Vectors = [new()] } };
            using (var s = zip.CreateEntry(BundleManifest.FileName).Open())
                JsonSerializer.Serialize(s, manifest, BundleJsonContext.Default.BundleManifest);
            using (var s = zip.CreateEntry("../escape.bin").Open()) s.Write([1, 2, 3]);
        }
        var e = Assert.Throws<UpdateRejectedException>(() => ModelBundle.Install(zipPath, Path.Combine(_dir, "installed", "1.0"), "00"));
        Assert.Equal(UpdateFailure.BadBundle, e.Failure);
        Assert.Contains("'../escape.bin' is not a plain file name", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "installed", "escape.bin")));
        Assert.False(Directory.Exists(Path.Combine(_dir, "installed", "1.0")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_dir, "installed"))); // no temporary left
    }

    [Fact]
    public void AnInstalledBundleAlteredAfterInstallationIsRefused()
    {
        string zipPath = Path.Combine(_dir, "b.zip");
        var manifest = new BundleManifest
        {
            Name = "m", Version = "1.0",
            SelfTest = new() { Vectors = [new() { Inputs = [new() { Name = "x", File = "in.bin", Shape = [1] }] }] },
        };
        ModelBundle.Write(zipPath, manifest, new Dictionary<string, byte[]> { ["model.onnx"] = [1], ["model.card.json"] = [2], ["in.bin"] = [3, 4, 5, 6] });
        string dir = Path.Combine(_dir, "installed", "1.0");
        ModelBundle.Install(zipPath, dir, "00");
        Assert.Equal("1.0", ModelBundle.VerifyInstalled(dir).Version);
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), [9]);
        var e = Assert.Throws<UpdateRejectedException>(() => ModelBundle.VerifyInstalled(dir));
        Assert.Contains("missing or altered since installation", e.Message);
    }

    [Fact]
    public void DurableWritesReplaceWholeFilesAndLeaveNoTemporaries()
    {
        string path = Path.Combine(_dir, "state", "state.json");
        DurableFile.Write(path, "old"u8);
        DurableFile.Write(path, "new"u8);
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Single(Directory.EnumerateFileSystemEntries(Path.Combine(_dir, "state")));
        File.WriteAllText(Path.Combine(_dir, "state", DurableFile.TempPrefix + "state.json-1-2"), "half");
        DurableFile.RemoveLeftovers(Path.Combine(_dir, "state"));
        Assert.Single(Directory.EnumerateFileSystemEntries(Path.Combine(_dir, "state")));
    }

    [Theory]
    [InlineData("1.2.0", "1.10.0", -1)]
    [InlineData("2", "1.9.9", 1)]
    [InlineData("1.2", "1.2.0", 0)]
    public void BundleVersionsCompareNumerically(string a, string b, int sign) =>
        Assert.Equal(sign, Math.Sign(BundleVersion.Compare(a, b)));
}
