using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeCam.Configuration;
using EdgeCam.ModelTool.Release;
using EdgeCam.Updates.Storage;
using EdgeCam.Updates.Tuf;
using EdgeCam.Updating;

namespace EdgeCam.Tests.Updates;

/// <summary>
/// The attacks The Update Framework lists, each against a real HTTP origin on 127.0.0.1 and a live
/// device pipeline. Every test ends with the device still running its previous model, the refusal
/// as one line naming the reason, and the state directory unchanged in what it runs.
/// </summary>
[Collection("Updates")]
public sealed class UpdateAttackTests(UpdateFixture fixture) : UpdateTestBase("update-attack")
{

    /// <summary>Runs one check on a fresh device and asserts it was refused for <paramref name="failure"/>, the factory model still live.</summary>
    private string AssertRefused(TestOrigin origin, UpdateFailure failure, string reasonFragment, Action<UpdateConfig>? tweak = null, TestDevice? device = null)
    {
        var owned = device is null;
        device ??= new TestDevice(origin.BaseUri, TrustedRoot, StateDir, tweak);
        try
        {
            string runningBefore = device.RunningVersion;
            Assert.Null(device.Check());
            device.Frames(3);
            Assert.Equal(runningBefore, device.RunningVersion);
            Assert.Equal(0, device.Stats.FramesFailed);
            string error = device.Refusal();
            Assert.StartsWith(failure + ":", error);
            Assert.Contains(reasonFragment, error);
            Assert.Equal(runningBefore == UpdateAgent.FactoryVersion ? null : runningBefore, UpdateStore.Open(StateDir).State.Current);
            return error;
        }
        finally
        {
            if (owned) device.Dispose();
        }
    }

    private static byte[] Resign(byte[] metadata, Func<JsonNode, JsonNode> edit, params ECDsa[] keys)
    {
        var node = JsonNode.Parse(metadata)!;
        var signed = edit(node["signed"]!.DeepClone());
        using var document = JsonDocument.Parse(signed.ToJsonString());
        var canonical = CanonicalJson.Encode(document.RootElement);
        var signatures = new JsonArray(keys.Select(k => (JsonNode)new JsonObject { ["keyid"] = TufKeys.KeyId(k), ["sig"] = TufKeys.Sign(k, canonical) }).ToArray());
        return Encoding.UTF8.GetBytes(new JsonObject { ["signatures"] = signatures, ["signed"] = signed }.ToJsonString());
    }

    /// <summary>Re-signs snapshot.json for the current targets.json and timestamp.json for it (honest roles around a dishonest one).</summary>
    private void RepinSnapshotAndTimestamp(bool pinTargetsHash = true)
    {
        byte[] targets = File.ReadAllBytes(Path.Combine(RepoDir, "targets.json"));
        long targetsVersion = JsonNode.Parse(targets)!["signed"]!["version"]!.GetValue<long>();
        using var snapshotKey = fixture.Key("snapshot");
        var snapshot = Resign(File.ReadAllBytes(Path.Combine(RepoDir, "snapshot.json")), s =>
        {
            s["version"] = s["version"]!.GetValue<long>() + 1;
            var meta = new JsonObject { ["version"] = targetsVersion };
            if (pinTargetsHash)
            {
                meta["length"] = targets.Length;
                meta["hashes"] = new JsonObject { ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(targets)) };
            }
            s["meta"] = new JsonObject { ["targets.json"] = meta };
            return s;
        }, snapshotKey);
        File.WriteAllBytes(Path.Combine(RepoDir, "snapshot.json"), snapshot);
        using var timestampKey = fixture.Key("timestamp");
        new ReleaseRepository(RepoDir).Timestamp([timestampKey], Expiries.Default);
    }

    [Fact]
    public void ArbitrarySoftware_BundleBytesDifferFromTargetsMetadata()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        string bundle = Path.Combine(RepoDir, "bundles", "blazeface-front-1.1.0.zip");
        byte[] bytes = File.ReadAllBytes(bundle);
        bytes[bytes.Length / 2] ^= 0x5A; // same length, other content
        File.WriteAllBytes(bundle, bytes);
        using var origin = new TestOrigin(RepoDir);
        AssertRefused(origin, UpdateFailure.Hash, "differ from targets metadata");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(StateDir, "staging")));
    }

    [Fact]
    public void ArbitrarySoftware_MetadataSignedByAnUnknownKey()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        using var rogue = fixture.Key("rogue");
        string targets = Path.Combine(RepoDir, "targets.json");
        File.WriteAllBytes(targets, Resign(File.ReadAllBytes(targets), s => { s["version"] = 5; return s; }, rogue));
        RepinSnapshotAndTimestamp();
        using var origin = new TestOrigin(RepoDir);
        AssertRefused(origin, UpdateFailure.Signature, "which is not a 'targets' key");
    }

    [Fact]
    public void ArbitrarySoftware_SignatureValidForOtherContent()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        // Keep the genuine signature, change what it is supposed to cover (point the target at other bytes).
        string targets = Path.Combine(RepoDir, "targets.json");
        var node = JsonNode.Parse(File.ReadAllBytes(targets))!;
        node["signed"]!["targets"]!["bundles/blazeface-front-1.1.0.zip"]!["hashes"]!["sha256"] = new string('0', 64);
        File.WriteAllText(targets, node.ToJsonString());
        RepinSnapshotAndTimestamp();
        using var origin = new TestOrigin(RepoDir);
        AssertRefused(origin, UpdateFailure.Signature, "does not verify over this content");
    }

    [Theory]
    [InlineData("timestamp")]
    [InlineData("snapshot")]
    [InlineData("targets")]
    public void Rollback_OlderMetadataReplayedWithValidSignatures(string role)
    {
        var repo = fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        string saved = Path.Combine(TestDirectory, "v1");
        Directory.CreateDirectory(saved);
        foreach (string f in new[] { "timestamp.json", "snapshot.json", "targets.json" }) File.Copy(Path.Combine(RepoDir, f), Path.Combine(saved, f));
        fixture.Release(repo, fixture.NewerBundle);
        using var origin = new TestOrigin(RepoDir);
        using var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir);
        Assert.Equal("1.2.0", device.Check()); // the device has seen version 2 of every role
        device.Frames(2);

        // The attacker replays version 1 of one role; the roles above it are honest and fresh
        // (else the older file would be caught by a hash first).
        File.Copy(Path.Combine(saved, role + ".json"), Path.Combine(RepoDir, role + ".json"), overwrite: true);
        if (role == "targets") RepinSnapshotAndTimestamp();
        if (role == "snapshot")
        {
            using var timestampKey = fixture.Key("timestamp");
            repo.Timestamp([timestampKey], Expiries.Default);
        }
        string error = AssertRefused(origin, UpdateFailure.Rollback, "older than the trusted", device: device);
        Assert.Contains(role == "targets" ? "targets.json" : role == "snapshot" ? "snapshot" : "timestamp.json", error);
        Assert.Equal("1.2.0", device.RunningVersion);
    }

    [Theory]
    [InlineData("timestamp")]
    [InlineData("snapshot")]
    [InlineData("targets")]
    [InlineData("root")]
    public void IndefiniteFreeze_ExpiredMetadata(string role)
    {
        var past = TimeSpan.FromHours(-1);
        var d = Expiries.Default;
        var expiries = role switch
        {
            "timestamp" => d with { Timestamp = past },
            "snapshot" => d with { Snapshot = past },
            "targets" => d with { Targets = past },
            _ => d with { Root = past },
        };
        fixture.NewRepository(RepoDir, expiries, bundles: fixture.GoodBundle);
        using var origin = new TestOrigin(RepoDir);
        string error = AssertRefused(origin, UpdateFailure.Expired, "expired at");
        Assert.Contains(role == "root" ? "trusted root v1" : $"{role}.json", error);
    }

    [Fact]
    public void MixAndMatch_TargetsVersionDiffersFromSnapshot()
    {
        var repo = fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        string older = File.ReadAllText(Path.Combine(RepoDir, "targets.json"));
        fixture.Release(repo, fixture.NewerBundle);
        // The snapshot names targets v2 by version only (hashes are optional in TUF); the origin
        // serves the validly signed targets v1 beside it.
        RepinSnapshotAndTimestamp(pinTargetsHash: false);
        File.WriteAllText(Path.Combine(RepoDir, "targets.json"), older);
        using var origin = new TestOrigin(RepoDir);
        AssertRefused(origin, UpdateFailure.MixAndMatch, "but the snapshot names version 2");
    }

    [Fact]
    public void EndlessData_BundleLongerThanDeclared()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        using var origin = new TestOrigin(RepoDir);
        origin.Overrides["/bundles/blazeface-front-1.1.0.zip"] = origin.WithExtraBytes("/bundles/blazeface-front-1.1.0.zip", 4096);
        AssertRefused(origin, UpdateFailure.TooLong, "more than the");
    }

    [Fact]
    public void EndlessData_MetadataThatNeverEnds()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        using var origin = new TestOrigin(RepoDir);
        origin.Overrides["/timestamp.json"] = TestOrigin.Endless;
        AssertRefused(origin, UpdateFailure.TooLong, $"more than the {TufClient.MaxTimestampBytes} bytes");
    }

    [Fact]
    public void SlowRetrieval_TricklingOriginHitsTheDeadline()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        using var origin = new TestOrigin(RepoDir);
        origin.Overrides["/bundles/blazeface-front-1.1.0.zip"] = origin.Trickle("/bundles/blazeface-front-1.1.0.zip", 64, TimeSpan.FromMilliseconds(20));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        AssertRefused(origin, UpdateFailure.Timeout, "deadline", c => c.DownloadTimeoutSeconds = 2);
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.5, 15);
    }

    [Fact]
    public void Threshold_OneSignatureWhereTwoAreNeeded()
    {
        var repo = fixture.NewRepository(RepoDir, targetsThreshold: 2);
        var ex = Assert.Throws<ToolException>(() => fixture.Release(repo, fixture.GoodBundle, keys: ["targets", "snapshot", "timestamp"]));
        Assert.Contains("needs 2 signature(s)", ex.Message); // the release tool refuses too
        fixture.Release(repo, fixture.GoodBundle); // properly signed by both
        string targets = Path.Combine(RepoDir, "targets.json");
        using var one = fixture.Key("targets");
        File.WriteAllBytes(targets, Resign(File.ReadAllBytes(targets), s => s, one));
        RepinSnapshotAndTimestamp();
        using var origin = new TestOrigin(RepoDir);
        AssertRefused(origin, UpdateFailure.Threshold, "1 valid signature(s) from distinct 'targets' keys, threshold is 2");
    }

    [Fact]
    public void Threshold_TwoSignaturesFromTheSameKey()
    {
        var repo = fixture.NewRepository(RepoDir, targetsThreshold: 2, bundles: fixture.GoodBundle);
        string targets = Path.Combine(RepoDir, "targets.json");
        using var one = fixture.Key("targets");
        File.WriteAllBytes(targets, Resign(File.ReadAllBytes(targets), s => s, one, one));
        RepinSnapshotAndTimestamp();
        using var origin = new TestOrigin(RepoDir);
        AssertRefused(origin, UpdateFailure.Threshold, "threshold is 2");
    }

    [Fact]
    public void WrongTarget_BundleForOtherHardware()
    {
        var repo = fixture.NewRepository(RepoDir);
        fixture.Release(repo, fixture.GoodBundle, hardware: "rpi5");
        using var origin = new TestOrigin(RepoDir);
        AssertRefused(origin, UpdateFailure.Incompatible, "is for hardware [rpi5], this device is [linux-x64]");
        Assert.DoesNotContain(origin.Log, l => l.Contains("/bundles/"));
    }

    [Fact]
    public void WrongTarget_BundleForANewerEdgecam()
    {
        var repo = fixture.NewRepository(RepoDir);
        fixture.Release(repo, fixture.GoodBundle, minEdgecam: "99.0");
        using var origin = new TestOrigin(RepoDir);
        AssertRefused(origin, UpdateFailure.Incompatible, $"needs edgecam 99.0 or newer, this is {EdgeCam.Program.Version}");
    }

    [Fact]
    public void ValidBundleWhoseModelFailsItsSelfTest()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.FailsSelfTest);
        using var origin = new TestOrigin(RepoDir);
        AssertRefused(origin, UpdateFailure.SelfTest, "self-test vector 1: output");
        var state = UpdateStore.Open(StateDir).State;
        Assert.Contains(state.Rejected, r => r.Version == "1.3.0");
        Assert.False(Directory.Exists(Path.Combine(StateDir, "bundles", "1.3.0")));
        // Not tried again until a newer one appears: the next check downloads nothing.
        using var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir);
        int before = origin.Log.Count(l => l.Contains("/bundles/"));
        Assert.Null(device.Check());
        Assert.Equal(before, origin.Log.Count(l => l.Contains("/bundles/")));
    }

    [Fact]
    public void ValidBundleWhoseModelOnnxRuntimeCannotLoad()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.FailsToLoad);
        using var origin = new TestOrigin(RepoDir);
        AssertRefused(origin, UpdateFailure.ModelLoad, "the model does not load");
        Assert.Contains(UpdateStore.Open(StateDir).State.Rejected, r => r.Version == "1.4.0");
    }
}
