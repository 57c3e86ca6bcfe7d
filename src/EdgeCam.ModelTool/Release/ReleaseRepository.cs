using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EdgeCam.Updates.Bundles;
using EdgeCam.Updates.Storage;
using EdgeCam.Updates.Tuf;

namespace EdgeCam.ModelTool.Release;

/// <summary>The keys and threshold one role should have.</summary>
public sealed record RoleSpec(IReadOnlyList<KeyDescription> Keys, int Threshold);

/// <summary>How long each role's metadata stays valid after it is signed.</summary>
public sealed record Expiries(TimeSpan Root, TimeSpan Targets, TimeSpan Snapshot, TimeSpan Timestamp)
{
    public static Expiries Default { get; } = new(TimeSpan.FromDays(365), TimeSpan.FromDays(90), TimeSpan.FromDays(7), TimeSpan.FromDays(1));
}

/// <summary>
/// An update origin as a directory of static files, maintained on the release side:
/// N.root.json (every root version, for devices walking the chain), targets.json, snapshot.json,
/// timestamp.json and bundles/. Each command re-signs exactly the roles its change touches, with
/// the given keys that the root lists for each, and refuses when they do not reach the threshold.
/// </summary>
public sealed class ReleaseRepository(string directory, Func<DateTimeOffset>? clock = null)
{
    private readonly Func<DateTimeOffset> _clock = clock ?? (() => DateTimeOffset.UtcNow);

    public string Directory { get; } = directory;

    /// <summary>Creates 1.root.json; the root keys given must reach the root threshold.</summary>
    public void Init(IReadOnlyDictionary<string, RoleSpec> roles, IReadOnlyList<ECDsa> signers, Expiries expiries)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (System.IO.Directory.EnumerateFiles(Directory, "*.root.json").Any())
            throw new ToolException($"{Directory}: already holds root metadata; use rotate-root to change keys");
        foreach (string role in TufSpec.TopLevelRoles)
            if (!roles.ContainsKey(role)) throw new ToolException($"init: no keys given for the '{role}' role");
        var root = new RootMetadata { Type = "root", Version = 1, Expires = Expiry(expiries.Root) };
        SetRoles(root, roles);
        WriteRoot(root, SignersFor(root, "root", signers, "root"));
    }

    /// <summary>Adds (or replaces) a bundle and re-signs targets, snapshot and timestamp.</summary>
    public string Release(string bundlePath, IReadOnlyList<string> hardware, string minEdgecamVersion, IReadOnlyList<ECDsa> keys, Expiries expiries)
    {
        if (hardware.Count == 0) throw new ToolException("release: give at least one --hardware tag (e.g. linux-x64)");
        if (!BundleVersion.TryParse(minEdgecamVersion, out _)) throw new ToolException($"release: --min-edgecam '{minEdgecamVersion}' is not a dotted version");
        var manifest = ReadManifest(bundlePath);
        var root = LatestRoot();
        var targetsKeys = SignersFor(root, "targets", keys, "release");
        var snapshotKeys = SignersFor(root, "snapshot", keys, "release");
        var timestampKeys = SignersFor(root, "timestamp", keys, "release");

        byte[] bundle = File.ReadAllBytes(bundlePath);
        string targetPath = $"bundles/{manifest.Name}-{manifest.Version}.zip";
        DurableFile.Write(Path.Combine(Directory, targetPath), bundle);

        var targets = ReadOptional("targets.json", "targets", TufJsonContext.Default.TargetsMetadata) ?? new TargetsMetadata { Type = "targets" };
        targets.Version++;
        targets.Expires = Expiry(expiries.Targets);
        var (length, sha256) = MetadataSigner.Describe(bundle);
        targets.Targets[targetPath] = new TargetFile
        {
            Length = length,
            Hashes = new() { ["sha256"] = sha256 },
            Custom = new BundleTargetInfo { Name = manifest.Name, Version = manifest.Version, Hardware = [.. hardware], MinEdgecamVersion = minEdgecamVersion },
        };
        byte[] targetsBytes = MetadataSigner.Sign(targets, TufJsonContext.Default.TargetsMetadata, targetsKeys);
        DurableFile.Write(Path.Combine(Directory, "targets.json"), targetsBytes);
        WriteSnapshot(targets.Version, targetsBytes, snapshotKeys, expiries);
        Timestamp(timestampKeys, expiries, root);
        return targetPath;
    }

    /// <summary>Re-signs a fresh timestamp for the current snapshot (a cron job keeps devices from seeing a frozen origin).</summary>
    public void Timestamp(IReadOnlyList<ECDsa> keys, Expiries expiries, RootMetadata? root = null)
    {
        root ??= LatestRoot();
        var signers = SignersFor(root, "timestamp", keys, "timestamp");
        string snapshotPath = Path.Combine(Directory, "snapshot.json");
        if (!File.Exists(snapshotPath)) throw new ToolException($"{snapshotPath}: missing; release a bundle first");
        byte[] snapshotBytes = File.ReadAllBytes(snapshotPath);
        var snapshot = SignedMetadata<SnapshotMetadata>.Parse(snapshotBytes, "snapshot", TufJsonContext.Default.SnapshotMetadata, snapshotPath).Signed;
        var timestamp = ReadOptional("timestamp.json", "timestamp", TufJsonContext.Default.TimestampMetadata) ?? new TimestampMetadata { Type = "timestamp" };
        timestamp.Version++;
        timestamp.Expires = Expiry(expiries.Timestamp);
        var (length, sha256) = MetadataSigner.Describe(snapshotBytes);
        timestamp.Meta = new() { ["snapshot.json"] = new MetaFile { Version = snapshot.Version, Length = length, Hashes = new() { ["sha256"] = sha256 } } };
        DurableFile.Write(Path.Combine(Directory, "timestamp.json"), MetadataSigner.Sign(timestamp, TufJsonContext.Default.TimestampMetadata, signers));
    }

    /// <summary>
    /// Writes root N+1 with the changed roles, signed by the given keys that are root keys of the
    /// old root or the new one; a threshold of each must sign, so devices can follow the chain.
    /// </summary>
    public RootMetadata RotateRoot(IReadOnlyDictionary<string, RoleSpec> changes, IReadOnlyList<ECDsa> signers, Expiries expiries)
    {
        var old = LatestRoot();
        var next = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(old, TufJsonContext.Default.RootMetadata), TufJsonContext.Default.RootMetadata)!;
        next.Version = old.Version + 1;
        next.Expires = Expiry(expiries.Root);
        var roles = TufSpec.TopLevelRoles.ToDictionary(r => r, r => changes.TryGetValue(r, out var spec)
            ? spec
            : new RoleSpec(old.Roles[r].KeyIds.Select(id => old.Keys[id]).ToList(), old.Roles[r].Threshold));
        SetRoles(next, roles);
        var byOld = SignersFor(old, "root", signers, "rotate-root (old root's keys)");
        var byNew = SignersFor(next, "root", signers, "rotate-root (new root's keys)");
        WriteRoot(next, byOld.Concat(byNew).DistinctBy(TufKeys.KeyId).ToList());
        return next;
    }

    /// <summary>The newest root in the repository (the highest N.root.json).</summary>
    public RootMetadata LatestRoot()
    {
        var latest = System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.EnumerateFiles(Directory, "*.root.json")
                .Select(p => (Path: p, Version: long.TryParse(Path.GetFileName(p).Split('.')[0], out long v) ? v : -1))
                .Where(x => x.Version > 0).OrderByDescending(x => x.Version).FirstOrDefault()
            : default;
        if (latest.Path is null) throw new ToolException($"{Directory}: no N.root.json; run init first");
        return SignedMetadata<RootMetadata>.Parse(File.ReadAllBytes(latest.Path), "root", TufJsonContext.Default.RootMetadata, latest.Path).Signed;
    }

    private void WriteSnapshot(long targetsVersion, byte[] targetsBytes, IReadOnlyList<ECDsa> keys, Expiries expiries)
    {
        var snapshot = ReadOptional("snapshot.json", "snapshot", TufJsonContext.Default.SnapshotMetadata) ?? new SnapshotMetadata { Type = "snapshot" };
        snapshot.Version++;
        snapshot.Expires = Expiry(expiries.Snapshot);
        var (length, sha256) = MetadataSigner.Describe(targetsBytes);
        snapshot.Meta["targets.json"] = new MetaFile { Version = targetsVersion, Length = length, Hashes = new() { ["sha256"] = sha256 } };
        DurableFile.Write(Path.Combine(Directory, "snapshot.json"), MetadataSigner.Sign(snapshot, TufJsonContext.Default.SnapshotMetadata, keys));
    }

    private void WriteRoot(RootMetadata root, IReadOnlyList<ECDsa> signers) =>
        DurableFile.Write(Path.Combine(Directory, $"{root.Version}.root.json"), MetadataSigner.Sign(root, TufJsonContext.Default.RootMetadata, signers));

    private static void SetRoles(RootMetadata root, IReadOnlyDictionary<string, RoleSpec> roles)
    {
        root.Keys = [];
        root.Roles = [];
        foreach (var (role, spec) in roles)
        {
            if (spec.Threshold < 1 || spec.Threshold > spec.Keys.Count)
                throw new ToolException($"role '{role}': threshold {spec.Threshold} with {spec.Keys.Count} key(s); expected 1 to {spec.Keys.Count}");
            var ids = spec.Keys.Select(TufKeys.KeyId).Distinct().ToList();
            if (ids.Count != spec.Keys.Count) throw new ToolException($"role '{role}': the same key is given twice");
            foreach (var key in spec.Keys) root.Keys[TufKeys.KeyId(key)] = key;
            root.Roles[role] = new RoleKeys { KeyIds = ids, Threshold = spec.Threshold };
        }
    }

    /// <summary>The given keys that the root lists for <paramref name="role"/>; at least its threshold of them.</summary>
    private static List<ECDsa> SignersFor(RootMetadata root, string role, IReadOnlyList<ECDsa> keys, string command)
    {
        var roleKeys = root.Roles[role];
        var chosen = keys.Where(k => roleKeys.KeyIds.Contains(TufKeys.KeyId(k))).DistinctBy(TufKeys.KeyId).ToList();
        if (chosen.Count < roleKeys.Threshold)
            throw new ToolException($"{command}: role '{role}' needs {roleKeys.Threshold} signature(s); the keys given hold {chosen.Count} of its keys");
        return chosen;
    }

    private T? ReadOptional<T>(string file, string role, JsonTypeInfo<T> typeInfo) where T : RoleMetadata
    {
        string path = Path.Combine(Directory, file);
        return File.Exists(path) ? SignedMetadata<T>.Parse(File.ReadAllBytes(path), role, typeInfo, path).Signed : null;
    }

    private string Expiry(TimeSpan validFor) => TufTime.Format(_clock() + validFor);

    private static BundleManifest ReadManifest(string bundlePath)
    {
        if (!File.Exists(bundlePath)) throw new ToolException($"{bundlePath}: no such bundle");
        try
        {
            using var zip = ZipFile.OpenRead(bundlePath);
            var entry = zip.GetEntry(BundleManifest.FileName) ?? throw new ToolException($"{bundlePath}: not a bundle (no {BundleManifest.FileName})");
            using var stream = entry.Open();
            return JsonSerializer.Deserialize(stream, BundleJsonContext.Default.BundleManifest) ?? throw new ToolException($"{bundlePath}: empty manifest");
        }
        catch (InvalidDataException e)
        {
            throw new ToolException($"{bundlePath}: not a zip bundle: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new ToolException($"{bundlePath}: {BundleManifest.FileName}: {e.Message}");
        }
    }
}
