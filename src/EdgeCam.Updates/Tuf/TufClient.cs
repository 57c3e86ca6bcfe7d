using System.Security.Cryptography;
using EdgeCam.Updates.Download;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Updates.Tuf;

/// <summary>
/// The TUF client workflow (specification section 5): update the root by walking N+1.root.json,
/// then timestamp, snapshot and targets, each checked for signatures and thresholds, versions
/// against what is trusted (no rollback), the versions and hashes the previous role pinned (no mix
/// and match) and expiry (no freeze). The origin is plain static files:
/// N.root.json, timestamp.json, snapshot.json, targets.json and the targets themselves.
/// </summary>
public sealed class TufClient(TrustedMetadata trusted, BoundedDownloader downloader, Uri origin, Func<DateTimeOffset> clock, ILogger log)
{
    /// <summary>Upper bounds for metadata whose length nothing signed declares yet (spec 5.3.1/5.4.1 say to pick one).</summary>
    public const long MaxRootBytes = 512 * 1024;
    public const long MaxTimestampBytes = 16 * 1024;
    public const long MaxSnapshotBytes = 2 * 1024 * 1024;
    public const long MaxTargetsBytes = 8 * 1024 * 1024;
    private const int MaxRootRotations = 64;

    public TrustedMetadata Trusted => trusted;

    /// <summary>Refreshes all metadata; returns the trusted targets (new or unchanged).</summary>
    public async Task<TargetsMetadata> RefreshAsync(CancellationToken cancel)
    {
        await UpdateRootAsync(cancel).ConfigureAwait(false);
        bool changed = await UpdateTimestampAsync(cancel).ConfigureAwait(false);
        if (changed || trusted.Snapshot is null) await UpdateSnapshotAsync(cancel).ConfigureAwait(false);
        if (changed || trusted.Targets is null
            || trusted.Targets.Signed.Version != trusted.Snapshot!.Signed.Meta["targets.json"].Version)
            await UpdateTargetsAsync(cancel).ConfigureAwait(false);
        // Nothing new is no reason to act on stale metadata: what is kept must still be in date.
        CheckExpiry(trusted.Snapshot!.ExpiresAt("snapshot.json"), $"trusted snapshot.json v{trusted.Snapshot.Signed.Version}");
        CheckExpiry(trusted.Targets!.ExpiresAt("targets.json"), $"trusted targets.json v{trusted.Targets.Signed.Version}");
        return trusted.Targets.Signed;
    }

    /// <summary>Spec 5.3: each new root must be signed by a threshold of the old root's keys and of its own.</summary>
    private async Task UpdateRootAsync(CancellationToken cancel)
    {
        var before = trusted.Root.Signed;
        for (int i = 0; i < MaxRootRotations; i++)
        {
            long next = trusted.Root.Signed.Version + 1;
            var url = new Uri(origin, $"{next}.root.json");
            byte[]? bytes = await downloader.FetchAsync(url, MaxRootBytes, cancel).ConfigureAwait(false);
            if (bytes is null) break;
            string name = url.ToString();
            var root = SignedMetadata<RootMetadata>.Parse(bytes, "root", TufJsonContext.Default.RootMetadata, name);
            TrustedMetadata.CheckRootShape(root.Signed, name);
            root.VerifyRole(trusted.Root.Signed, "root", $"{name} (by the keys of trusted root v{trusted.Root.Signed.Version})");
            root.VerifyRole(root.Signed, "root", $"{name} (by its own root keys)");
            if (root.Signed.Version != next)
                throw new UpdateRejectedException(UpdateFailure.Rollback, $"{name}: holds root version {root.Signed.Version}, expected {next}");
            trusted.TrustRoot(root);
            log.LogInformation("update: trusted root is now version {Version}", next);
        }
        CheckExpiry(trusted.Root.ExpiresAt("root"), $"trusted root v{trusted.Root.Signed.Version}");
        if (!ReferenceEquals(before, trusted.Root.Signed)
            && (!SameKeys(before, trusted.Root.Signed, "timestamp") || !SameKeys(before, trusted.Root.Signed, "snapshot")))
            trusted.ForgetTimestampAndSnapshot();
    }

    /// <summary>Spec 5.4. Returns false when the timestamp is the one already trusted (nothing new).</summary>
    private async Task<bool> UpdateTimestampAsync(CancellationToken cancel)
    {
        var url = new Uri(origin, "timestamp.json");
        string name = url.ToString();
        byte[] bytes = await downloader.FetchAsync(url, MaxTimestampBytes, cancel).ConfigureAwait(false)
            ?? throw new UpdateRejectedException(UpdateFailure.Network, $"{name}: not found on the origin");
        var timestamp = SignedMetadata<TimestampMetadata>.Parse(bytes, "timestamp", TufJsonContext.Default.TimestampMetadata, name);
        timestamp.VerifyRole(trusted.Root.Signed, "timestamp", name);
        if (!timestamp.Signed.Meta.TryGetValue("snapshot.json", out var snapshotMeta))
            throw new UpdateRejectedException(UpdateFailure.Malformed, $"{name}: meta has no snapshot.json");
        var old = trusted.Timestamp?.Signed;
        if (old is not null)
        {
            if (timestamp.Signed.Version < old.Version)
                throw new UpdateRejectedException(UpdateFailure.Rollback, $"{name}: version {timestamp.Signed.Version} is older than the trusted version {old.Version} (replayed metadata)");
            long oldSnapshot = old.Meta["snapshot.json"].Version;
            if (snapshotMeta.Version < oldSnapshot)
                throw new UpdateRejectedException(UpdateFailure.Rollback, $"{name}: names snapshot version {snapshotMeta.Version}, older than the trusted {oldSnapshot} (replayed metadata)");
        }
        CheckExpiry(timestamp.ExpiresAt(name), $"{name} v{timestamp.Signed.Version}");
        if (old is not null && timestamp.Signed.Version == old.Version) return false;
        trusted.TrustTimestamp(timestamp);
        return true;
    }

    /// <summary>Spec 5.5: the snapshot the timestamp names, by length, hash and version.</summary>
    private async Task UpdateSnapshotAsync(CancellationToken cancel)
    {
        var pinned = trusted.Timestamp!.Signed.Meta["snapshot.json"];
        var url = new Uri(origin, "snapshot.json");
        string name = url.ToString();
        byte[] bytes = await downloader.FetchAsync(url, pinned.Length ?? MaxSnapshotBytes, cancel).ConfigureAwait(false)
            ?? throw new UpdateRejectedException(UpdateFailure.Network, $"{name}: not found on the origin");
        CheckPinnedHash(bytes, pinned, name);
        var snapshot = SignedMetadata<SnapshotMetadata>.Parse(bytes, "snapshot", TufJsonContext.Default.SnapshotMetadata, name);
        snapshot.VerifyRole(trusted.Root.Signed, "snapshot", name);
        if (snapshot.Signed.Version != pinned.Version)
            throw new UpdateRejectedException(UpdateFailure.MixAndMatch, $"{name}: version {snapshot.Signed.Version}, but the timestamp names version {pinned.Version}");
        if (!snapshot.Signed.Meta.TryGetValue("targets.json", out var targetsMeta))
            throw new UpdateRejectedException(UpdateFailure.Malformed, $"{name}: meta has no targets.json");
        if (trusted.Snapshot?.Signed is { } old)
        {
            if (snapshot.Signed.Version < old.Version)
                throw new UpdateRejectedException(UpdateFailure.Rollback, $"{name}: version {snapshot.Signed.Version} is older than the trusted version {old.Version} (replayed metadata)");
            foreach (var (file, meta) in old.Meta)
            {
                if (!snapshot.Signed.Meta.TryGetValue(file, out var now))
                    throw new UpdateRejectedException(UpdateFailure.Rollback, $"{name}: no longer lists {file}");
                if (now.Version < meta.Version)
                    throw new UpdateRejectedException(UpdateFailure.Rollback, $"{name}: names {file} version {now.Version}, older than the trusted {meta.Version} (replayed metadata)");
            }
        }
        CheckExpiry(snapshot.ExpiresAt(name), $"{name} v{snapshot.Signed.Version}");
        _ = targetsMeta;
        trusted.TrustSnapshot(snapshot);
    }

    /// <summary>Spec 5.6: the targets metadata the snapshot names.</summary>
    private async Task UpdateTargetsAsync(CancellationToken cancel)
    {
        var pinned = trusted.Snapshot!.Signed.Meta["targets.json"];
        var url = new Uri(origin, "targets.json");
        string name = url.ToString();
        byte[] bytes = await downloader.FetchAsync(url, pinned.Length ?? MaxTargetsBytes, cancel).ConfigureAwait(false)
            ?? throw new UpdateRejectedException(UpdateFailure.Network, $"{name}: not found on the origin");
        CheckPinnedHash(bytes, pinned, name);
        var targets = SignedMetadata<TargetsMetadata>.Parse(bytes, "targets", TufJsonContext.Default.TargetsMetadata, name);
        targets.VerifyRole(trusted.Root.Signed, "targets", name);
        if (targets.Signed.Version != pinned.Version)
            throw new UpdateRejectedException(UpdateFailure.MixAndMatch, $"{name}: version {targets.Signed.Version}, but the snapshot names version {pinned.Version}");
        if (trusted.Targets?.Signed is { } old && targets.Signed.Version < old.Version)
            throw new UpdateRejectedException(UpdateFailure.Rollback, $"{name}: version {targets.Signed.Version} is older than the trusted version {old.Version} (replayed metadata)");
        CheckExpiry(targets.ExpiresAt(name), $"{name} v{targets.Signed.Version}");
        trusted.TrustTargets(targets);
    }

    /// <summary>A target's URL on the origin.</summary>
    public Uri TargetUrl(string targetPath) => new(origin, targetPath);

    private void CheckExpiry(DateTimeOffset expires, string what)
    {
        var now = clock();
        if (expires <= now)
            throw new UpdateRejectedException(UpdateFailure.Expired, $"{what} expired at {TufTime.Format(expires)} (now {TufTime.Format(now)}); refusing stale metadata");
    }

    private static void CheckPinnedHash(byte[] bytes, MetaFile pinned, string name)
    {
        if (pinned.Length is { } length && bytes.Length != length)
            throw new UpdateRejectedException(UpdateFailure.Hash, $"{name}: {bytes.Length} bytes, but {length} are declared");
        if (pinned.Hashes is { } hashes && hashes.TryGetValue("sha256", out string? expected)
            && !string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), expected, StringComparison.OrdinalIgnoreCase))
            throw new UpdateRejectedException(UpdateFailure.Hash, $"{name}: sha256 differs from the one declared");
    }

    private static bool SameKeys(RootMetadata a, RootMetadata b, string role) =>
        a.Roles.TryGetValue(role, out var x) && b.Roles.TryGetValue(role, out var y)
        && x.Threshold == y.Threshold && x.KeyIds.Order().SequenceEqual(y.KeyIds.Order());
}
