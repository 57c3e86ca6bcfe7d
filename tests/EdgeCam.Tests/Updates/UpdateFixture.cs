using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeCam.ModelTool.Release;
using EdgeCam.Updates.Bundles;
using EdgeCam.Updates.Tuf;

namespace EdgeCam.Tests.Updates;

/// <summary>
/// What the update tests share, built once: signing keys (files, as the release tool writes them)
/// and real bundles made by the release tool from BlazeFace and real photos: two good versions,
/// one whose self-test outputs were altered, one whose model ONNX Runtime cannot load.
/// </summary>
public sealed class UpdateFixture : IDisposable
{
    public string Directory { get; } = TestAssets.TempDir("update-fixture");
    public string KeysDirectory => Path.Combine(Directory, "keys");
    public string GoodBundle { get; }       // blazeface-front 1.1.0
    public string NewerBundle { get; }      // blazeface-front 1.2.0
    public string FailsSelfTest { get; }    // 1.3.0: expected outputs altered
    public string FailsToLoad { get; }      // 1.4.0: model truncated

    public UpdateFixture()
    {
        foreach (string name in new[] { "root", "root2", "targets", "targets2", "snapshot", "timestamp", "timestamp2", "rogue" })
            KeyFiles.Generate(Path.Combine(KeysDirectory, name));
        string[] images = [Path.Combine(TestAssets.DarknetDir, "person.jpg"), TestAssets.GraceHopper];
        string card = EdgeCam.Inference.Cards.ModelCardLoader.CardPathFor(TestAssets.BlazeFaceFront);
        GoodBundle = Path.Combine(Directory, "good.zip");
        BundleBuilder.Build(TestAssets.BlazeFaceFront, card, "blazeface-front", "1.1.0", images, 1e-3, GoodBundle, null, _ => { });
        NewerBundle = Path.Combine(Directory, "newer.zip");
        BundleBuilder.Build(TestAssets.BlazeFaceFront, card, "blazeface-front", "1.2.0", images, 1e-3, NewerBundle, null, _ => { });
        FailsSelfTest = Rewrite(GoodBundle, "1.3.0", (name, bytes) =>
        {
            if (name != "selftest-1-output-0.bin") return bytes;
            var copy = (byte[])bytes.Clone();
            BitConverter.GetBytes(BitConverter.ToSingle(copy, 40) + 0.5f).CopyTo(copy, 40); // one score logit off by 0.5
            return copy;
        });
        FailsToLoad = Rewrite(GoodBundle, "1.4.0", (name, bytes) => name == "model.onnx" ? bytes[..(bytes.Length / 3)] : bytes);
    }

    public ECDsa Key(string name) => KeyFiles.LoadPrivate(Path.Combine(KeysDirectory, name + ".key"));
    public KeyDescription Public(string name) => KeyFiles.LoadPublic(Path.Combine(KeysDirectory, name + ".pub"));

    /// <summary>A new origin directory: root v1 with one key per role (or the given thresholds), and <paramref name="bundles"/> released.</summary>
    public ReleaseRepository NewRepository(string directory, Expiries? expiries = null, int targetsThreshold = 1, params string[] bundles)
    {
        var repo = new ReleaseRepository(directory);
        var targetsKeys = targetsThreshold == 1 ? new[] { Public("targets") } : [Public("targets"), Public("targets2")];
        var roles = new Dictionary<string, RoleSpec>
        {
            ["root"] = new([Public("root")], 1),
            ["targets"] = new(targetsKeys, targetsThreshold),
            ["snapshot"] = new([Public("snapshot")], 1),
            ["timestamp"] = new([Public("timestamp")], 1),
        };
        using var root = Key("root");
        repo.Init(roles, [root], expiries ?? Expiries.Default);
        foreach (string bundle in bundles) Release(repo, bundle, expiries: expiries);
        return repo;
    }

    public void Release(ReleaseRepository repo, string bundle, string hardware = "linux-x64", string minEdgecam = "0.1.0", Expiries? expiries = null,
        params string[] keys)
    {
        var names = keys.Length > 0 ? keys : ["targets", "targets2", "snapshot", "timestamp"];
        var loaded = names.Select(Key).ToList();
        try
        {
            repo.Release(bundle, [hardware], minEdgecam, loaded, expiries ?? Expiries.Default);
        }
        finally
        {
            foreach (var k in loaded) k.Dispose();
        }
    }

    /// <summary>A copy of a bundle with a new version and some entries changed.</summary>
    public string Rewrite(string bundle, string version, Func<string, byte[], byte[]> edit)
    {
        var entries = new Dictionary<string, byte[]>();
        BundleManifest? manifest = null;
        using (var zip = ZipFile.OpenRead(bundle))
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                if (entry.FullName == BundleManifest.FileName)
                    manifest = JsonSerializer.Deserialize(buffer.ToArray(), BundleJsonContext.Default.BundleManifest);
                else entries[entry.FullName] = edit(entry.FullName, buffer.ToArray());
            }
        manifest!.Version = version;
        string path = Path.Combine(Directory, $"bundle-{version}.zip");
        ModelBundle.Write(path, manifest, entries);
        return path;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition("Updates")]
public sealed class UpdateCollection : ICollectionFixture<UpdateFixture>;
