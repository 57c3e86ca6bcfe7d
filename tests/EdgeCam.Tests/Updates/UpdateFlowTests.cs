using EdgeCam.ModelTool.Release;
using EdgeCam.Updates.Storage;
using EdgeCam.Updates.Tuf;
using EdgeCam.Updating;

namespace EdgeCam.Tests.Updates;

/// <summary>The paths an update should take: live without dropping a frame, resumed downloads,
/// root rotation, and automatic rollback of a bundle that crashes the process or fails every frame.</summary>
[Collection("Updates")]
public sealed class UpdateFlowTests(UpdateFixture fixture) : UpdateTestBase("update-flow")
{

    [Fact]
    public void ValidUpdateGoesLiveBetweenFramesWithoutDroppingAny()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        using var origin = new TestOrigin(RepoDir);
        const int total = 400;
        using var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir, frames: total);
        var before = device.Pipeline.Model;
        Assert.Equal(UpdateAgent.FactoryVersion, device.RunningVersion);

        // The pipeline runs flat out on its thread while the check (download, verify, shadow
        // session, self-test) runs on another, as in the service.
        var versions = new List<string>();
        var pipelineThread = new Thread(() =>
        {
            while (device.Pipeline.Step(CancellationToken.None))
            {
                versions.Add(device.RunningVersion);
                device.Controller.AfterFrame();
            }
        });
        pipelineThread.Start();
        Assert.Equal("1.1.0", device.Check());
        pipelineThread.Join();

        Assert.Equal(total, versions.Count);                 // every frame of the source was processed
        Assert.Equal(0, device.Source.DroppedFrames);
        Assert.Equal(0, device.Stats.FramesFailed);
        int switchAt = versions.IndexOf("1.1.0");
        Assert.True(switchAt > 0 && switchAt < total, $"the swap happened mid-run (frame {switchAt})");
        Assert.All(versions.Take(switchAt), v => Assert.Equal(UpdateAgent.FactoryVersion, v));
        Assert.All(versions.Skip(switchAt), v => Assert.Equal("1.1.0", v));
        Assert.NotSame(before, device.Pipeline.Model);
        Assert.True(device.Pipeline.HasPrevious); // the factory model stays loaded until the switch is confirmed

        var state = UpdateStore.Open(StateDir).State;
        Assert.Equal("1.1.0", state.Current);
        Assert.Null(state.Previous); // the factory model
        Assert.False(state.Confirmed);
    }

    [Fact]
    public void InterruptedDownloadResumesWithARangeRequest()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        using var origin = new TestOrigin(RepoDir);
        const string path = "/bundles/blazeface-front-1.1.0.zip";
        int requests = 0;
        origin.Overrides[path] = context =>
            origin.ServeFile(context, path, context.Request.Headers["Range"], limit: Interlocked.Increment(ref requests) == 1 ? 200_000 : null);
        using var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir);

        Assert.Null(device.Check());
        Assert.StartsWith("Network:", device.Refusal());
        Assert.Contains("will resume", device.Refusal());
        long staged = new FileInfo(Path.Combine(StateDir, "staging", "blazeface-front-1.1.0.zip.part")).Length;
        Assert.InRange(staged, 1, 200_000);

        Assert.Equal("1.1.0", device.Check());
        Assert.Contains(origin.Log, l => l == $"GET {path} Range: bytes={staged}-");
        Assert.Contains(device.Logs.Lines, l => l.Contains($"resuming at byte {staged}"));
        Assert.False(File.Exists(Path.Combine(StateDir, "staging", "blazeface-front-1.1.0.zip.part")));
        device.Frames(2);
        Assert.Equal("1.1.0", device.RunningVersion);
    }

    [Fact]
    public void RootRotationIsFollowed()
    {
        var repo = fixture.NewRepository(RepoDir);
        // New root key and new timestamp key; root 2 is signed by the old and the new root key.
        using (var oldRoot = fixture.Key("root"))
        using (var newRoot = fixture.Key("root2"))
            repo.RotateRoot(new Dictionary<string, RoleSpec>
            {
                ["root"] = new([fixture.Public("root2")], 1),
                ["timestamp"] = new([fixture.Public("timestamp2")], 1),
            }, [oldRoot, newRoot], Expiries.Default);
        fixture.Release(repo, fixture.GoodBundle, keys: ["targets", "snapshot", "timestamp2"]);
        using var origin = new TestOrigin(RepoDir);
        using var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir);

        Assert.Equal("1.1.0", device.Check());
        Assert.Contains(origin.Log, l => l == "GET /2.root.json");
        Assert.Contains(origin.Log, l => l == "GET /3.root.json"); // looked for a further one
        var trusted = TrustedMetadata.Open(Path.Combine(StateDir, "tuf"), TrustedRoot);
        Assert.Equal(2, trusted.Root.Signed.Version);

        // The old timestamp key no longer counts: the release tool will not use it, and a timestamp
        // signed with it by hand is refused by the device.
        using (var oldTimestamp = fixture.Key("timestamp"))
        {
            Assert.Throws<ToolException>(() => repo.Timestamp([oldTimestamp], Expiries.Default));
            string path = Path.Combine(RepoDir, "timestamp.json");
            var timestamp = SignedMetadata<TimestampMetadata>.Parse(File.ReadAllBytes(path), "timestamp", TufJsonContext.Default.TimestampMetadata, path).Signed;
            timestamp.Version++;
            File.WriteAllBytes(path, MetadataSigner.Sign(timestamp, TufJsonContext.Default.TimestampMetadata, [oldTimestamp]));
        }
        Assert.Null(device.Check());
        Assert.StartsWith("Signature:", device.Refusal());
    }

    [Fact]
    public void RootRotationSignedOnlyByTheNewKeyIsRefused()
    {
        var repo = fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        using (var newRoot = fixture.Key("root2"))
        {
            // The release tool refuses to write it...
            var ex = Assert.Throws<ToolException>(() => repo.RotateRoot(
                new Dictionary<string, RoleSpec> { ["root"] = new([fixture.Public("root2")], 1) }, [newRoot], Expiries.Default));
            Assert.Contains("old root's keys", ex.Message);
        }
        // ...and a device refuses one made by hand.
        var root2 = repo.LatestRoot();
        root2.Version = 2;
        root2.Keys = new() { [TufKeys.KeyId(fixture.Public("root2"))] = fixture.Public("root2") , [root2.Roles["targets"].KeyIds[0]] = root2.Keys[root2.Roles["targets"].KeyIds[0]],
            [root2.Roles["snapshot"].KeyIds[0]] = root2.Keys[root2.Roles["snapshot"].KeyIds[0]], [root2.Roles["timestamp"].KeyIds[0]] = root2.Keys[root2.Roles["timestamp"].KeyIds[0]] };
        root2.Roles["root"] = new RoleKeys { KeyIds = [TufKeys.KeyId(fixture.Public("root2"))], Threshold = 1 };
        using (var newRoot = fixture.Key("root2"))
            File.WriteAllBytes(Path.Combine(RepoDir, "2.root.json"), MetadataSigner.Sign(root2, TufJsonContext.Default.RootMetadata, [newRoot]));
        using var origin = new TestOrigin(RepoDir);
        using var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir);
        Assert.Null(device.Check());
        Assert.Contains("by the keys of trusted root v1", device.Refusal());
        Assert.Equal(UpdateAgent.FactoryVersion, device.RunningVersion);
    }

    [Fact]
    public void BundleThatCrashesTheProcessAfterGoingLiveIsRolledBack()
    {
        var repo = fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        using var origin = new TestOrigin(RepoDir);
        using (var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir))
        {
            Assert.Equal("1.1.0", device.Check());
            device.Frames(5);
            // confirmed: 1.1.0 is the good, trusted previous from here on
            var store = UpdateStore.Open(StateDir);
            store.Confirm();
        }
        fixture.Release(repo, fixture.NewerBundle);
        using (var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir))
        {
            Assert.Equal("1.1.0", device.RunningVersion);
            Assert.Equal("1.2.0", device.Check());
            device.Frames(2);
        }
        // 1.2.0 went live; now the process dies again and again soon after starting (as systemd
        // restarts a crashing service): each start is counted until the window or the limit.
        for (int start = 1; start <= 3; start++)
        {
            using var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir, c => c.MaxStartsAfterSwitch = 3);
            Assert.Equal("1.2.0", device.RunningVersion);
        }
        using (var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir, c => c.MaxStartsAfterSwitch = 3))
        {
            Assert.Equal("1.1.0", device.RunningVersion);
            Assert.Contains(device.Logs.Lines, l => l.StartsWith("Error") && l.Contains("crash loop: 4 starts"));
            device.Frames(3);
            Assert.Equal(0, device.Stats.FramesFailed);
            // not tried again until a newer one appears
            Assert.Null(device.Check());
            Assert.Equal("1.1.0", device.RunningVersion);
        }
        var state = UpdateStore.Open(StateDir).State;
        Assert.Equal("1.1.0", state.Current);
        Assert.Contains(state.Rejected, r => r.Version == "1.2.0" && r.Reason.StartsWith("crash loop"));
        Assert.False(Directory.Exists(Path.Combine(StateDir, "bundles", "1.2.0")));
    }

    [Fact]
    public void BundleFailingEveryFrameAfterGoingLiveIsRolledBackAtOnce()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        using var origin = new TestOrigin(RepoDir);
        using var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir, c => c.FailingFramesForRollback = 5);
        // Stands in for a model that passes its self-test but fails on this device's live frames:
        // every frame processed by 1.1.0 throws inside the pipeline's per-frame try.
        device.Pipeline.FrameProcessed = (_, _) =>
        {
            if (device.RunningVersion == "1.1.0") throw new InvalidOperationException("output unusable");
        };
        var factory = device.Pipeline.Model;
        Assert.Equal("1.1.0", device.Check());
        device.Frames(4);
        Assert.Equal("1.1.0", device.RunningVersion);
        device.Frames(1); // the fifth failure in a row
        Assert.Equal(UpdateAgent.FactoryVersion, device.RunningVersion);
        Assert.Same(factory, device.Pipeline.Model); // back to the session that never stopped being loaded
        Assert.Contains(device.Logs.Lines, l => l.StartsWith("Error") && l.Contains("health: 5 frames in a row failed after switching to 1.1.0"));
        long failed = device.Stats.FramesFailed;
        device.Frames(3);
        Assert.Equal(failed, device.Stats.FramesFailed);
        var state = UpdateStore.Open(StateDir).State;
        Assert.Null(state.Current);
        Assert.Contains(state.Rejected, r => r.Version == "1.1.0" && r.Reason.StartsWith("health"));
        Assert.Null(device.Check()); // not tried again
    }

    [Fact]
    public void SwitchSurvivingTheCrashWindowIsConfirmed()
    {
        fixture.NewRepository(RepoDir, bundles: fixture.GoodBundle);
        using var origin = new TestOrigin(RepoDir);
        using var device = new TestDevice(origin.BaseUri, TrustedRoot, StateDir, c => c.CrashWindowSeconds = 1);
        Assert.Equal("1.1.0", device.Check());
        device.Frames(2);
        Assert.False(UpdateStore.Open(StateDir).State.Confirmed);
        Thread.Sleep(1100);
        device.Frames(1);
        Assert.True(UpdateStore.Open(StateDir).State.Confirmed);
        Assert.False(device.Pipeline.HasPrevious); // the factory model's session was released
    }
}
