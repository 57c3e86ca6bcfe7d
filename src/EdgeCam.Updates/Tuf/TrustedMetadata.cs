using EdgeCam.Updates.Storage;

namespace EdgeCam.Updates.Tuf;

/// <summary>
/// The device's trusted copies of the four roles, in the state directory. A role's file is replaced
/// (durably) only after the new version passed every check; the versions held here are what later
/// downloads are compared against to refuse replays of older metadata.
/// </summary>
public sealed class TrustedMetadata
{
    private readonly string _directory;

    public SignedMetadata<RootMetadata> Root { get; private set; }
    public SignedMetadata<TimestampMetadata>? Timestamp { get; private set; }
    public SignedMetadata<SnapshotMetadata>? Snapshot { get; private set; }
    public SignedMetadata<TargetsMetadata>? Targets { get; private set; }

    private TrustedMetadata(string directory, SignedMetadata<RootMetadata> root)
    {
        _directory = directory;
        Root = root;
    }

    /// <summary>
    /// Opens the trusted metadata in <paramref name="directory"/>. The first time (or when the shipped
    /// root is newer, e.g. after a firmware update) the root shipped with the device becomes the trusted root.
    /// </summary>
    public static TrustedMetadata Open(string directory, string shippedRootPath)
    {
        Directory.CreateDirectory(directory);
        if (!File.Exists(shippedRootPath))
            throw new UpdateRejectedException(UpdateFailure.Malformed, $"{shippedRootPath}: the trusted root metadata shipped with the device is missing");
        var shipped = LoadRoot(File.ReadAllBytes(shippedRootPath), shippedRootPath);
        string stored = Path.Combine(directory, "root.json");
        var root = File.Exists(stored) ? LoadRoot(File.ReadAllBytes(stored), stored) : null;
        if (root is null || shipped.Signed.Version > root.Signed.Version)
        {
            root = shipped;
            DurableFile.Write(stored, shipped.Raw);
        }
        var trusted = new TrustedMetadata(directory, root);
        trusted.Timestamp = trusted.LoadOptional("timestamp", TufJsonContext.Default.TimestampMetadata);
        trusted.Snapshot = trusted.LoadOptional("snapshot", TufJsonContext.Default.SnapshotMetadata);
        trusted.Targets = trusted.LoadOptional("targets", TufJsonContext.Default.TargetsMetadata);
        return trusted;
    }

    /// <summary>Parses a root and checks that it is signed by its own root keys and that its key ids are what its keys hash to.</summary>
    public static SignedMetadata<RootMetadata> LoadRoot(byte[] bytes, string origin)
    {
        var root = SignedMetadata<RootMetadata>.Parse(bytes, "root", TufJsonContext.Default.RootMetadata, origin);
        CheckRootShape(root.Signed, origin);
        root.VerifyRole(root.Signed, "root", origin);
        return root;
    }

    public static void CheckRootShape(RootMetadata root, string origin)
    {
        foreach (var (keyId, key) in root.Keys)
        {
            string actual = TufKeys.KeyId(key);
            if (actual != keyId)
                throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: key id {TufKeys.Short(keyId)} does not match its key (which hashes to {TufKeys.Short(actual)})");
        }
        foreach (string role in TufSpec.TopLevelRoles)
            if (!root.Roles.ContainsKey(role))
                throw new UpdateRejectedException(UpdateFailure.Malformed, $"{origin}: the root lists no '{role}' role");
    }

    public void TrustRoot(SignedMetadata<RootMetadata> root)
    {
        Write("root", root.Raw);
        Root = root;
    }

    public void TrustTimestamp(SignedMetadata<TimestampMetadata> timestamp)
    {
        Write("timestamp", timestamp.Raw);
        Timestamp = timestamp;
    }

    public void TrustSnapshot(SignedMetadata<SnapshotMetadata> snapshot)
    {
        Write("snapshot", snapshot.Raw);
        Snapshot = snapshot;
    }

    public void TrustTargets(SignedMetadata<TargetsMetadata> targets)
    {
        Write("targets", targets.Raw);
        Targets = targets;
    }

    /// <summary>After a root rotation that changed the timestamp or snapshot keys, the old copies
    /// may have been made with compromised keys; the spec says to forget them (5.3.11).</summary>
    public void ForgetTimestampAndSnapshot()
    {
        foreach (string role in new[] { "timestamp", "snapshot" })
        {
            string path = Path.Combine(_directory, role + ".json");
            if (File.Exists(path)) File.Delete(path);
        }
        DurableFile.SyncDirectory(_directory);
        Timestamp = null;
        Snapshot = null;
    }

    private void Write(string role, byte[] raw) => DurableFile.Write(Path.Combine(_directory, role + ".json"), raw);

    private SignedMetadata<T>? LoadOptional<T>(string role, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) where T : RoleMetadata
    {
        string path = Path.Combine(_directory, role + ".json");
        if (!File.Exists(path)) return null;
        try
        {
            var metadata = SignedMetadata<T>.Parse(File.ReadAllBytes(path), role, typeInfo, path);
            metadata.VerifyRole(Root.Signed, role, path);
            return metadata;
        }
        catch (UpdateRejectedException)
        {
            // Signed by keys the current root no longer lists (a rotation): not trusted any more.
            return null;
        }
    }
}
