using System.Runtime.InteropServices;
using System.Security.Cryptography;
using EdgeCam.Configuration;
using EdgeCam.Inference.Onnx;
using EdgeCam.Models;
using EdgeCam.Updates.Bundles;
using EdgeCam.Updates.Download;
using EdgeCam.Updates.Storage;
using EdgeCam.Updates.Tuf;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Updating;

/// <summary>A verified, self-tested model ready to go live, loaded in its own (shadow) session.</summary>
public sealed record UpdateCandidate(string Version, LoadedModel Model);

/// <summary>
/// The device side of signed model updates: checks the origin (TUF workflow), picks the newest
/// compatible bundle for this device's model line, downloads it (bounded, resumable), checks its
/// hash, installs it, loads it into a shadow session and runs its self-test. Only a candidate that
/// passed all of that is handed to the caller, which persists the switch and swaps the pipeline.
/// Every refusal is one log line naming the file and the reason, and the running model stays.
/// </summary>
public sealed class UpdateAgent : IDisposable
{
    public const string FactoryVersion = "factory";

    private readonly UpdateConfig _config;
    private readonly ModelConfig _factory;
    private readonly ILogger _log;
    private readonly Func<DateTimeOffset> _clock;
    private readonly BoundedDownloader _downloader;
    private readonly Uri _origin;

    public UpdateStore Store { get; }
    public string EdgecamVersion { get; }
    public IReadOnlyList<string> Hardware { get; }
    public string? LastError { get; private set; }
    public DateTimeOffset? LastCheck { get; private set; }
    public string LastOutcome { get; private set; } = "not checked yet";
    public long Checks => Interlocked.Read(ref _checks);
    public long Refusals => Interlocked.Read(ref _refusals);
    private long _checks, _refusals;

    public UpdateAgent(UpdateConfig config, ModelConfig factory, ILogger log, Func<DateTimeOffset>? clock = null, HttpMessageHandler? handler = null)
    {
        _config = config;
        _factory = factory;
        _log = log;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
        _origin = new Uri(config.Origin);
        Store = UpdateStore.Open(config.StateDirectory ?? DefaultStateDirectory());
        var http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.DefaultRequestHeaders.UserAgent.ParseAdd($"edgecam/{Program.Version}");
        http.Timeout = Timeout.InfiniteTimeSpan; // the downloader's own deadline applies
        _downloader = new BoundedDownloader(http, TimeSpan.FromSeconds(config.DownloadTimeoutSeconds), log);
        EdgecamVersion = Program.Version;
        Hardware = config.Hardware.Count > 0 ? config.Hardware : [RuntimeInformation.RuntimeIdentifier];
    }

    /// <summary>$STATE_DIRECTORY (systemd's StateDirectory=), else ~/.local/state/edgecam.</summary>
    public static string DefaultStateDirectory() =>
        Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } s
            ? s.Split(':')[0]
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "edgecam");

    /// <summary>
    /// The model to start with: the current bundle if it is whole, loads and passes its self-test,
    /// unless the process has been restarting in a loop since the switch; otherwise the previous
    /// bundle, and in the end the factory model. Each fallback is logged and persisted.
    /// </summary>
    public (LoadedModel Model, string Version) LoadStartupModel(SessionOptions options)
    {
        if (Store.NoteStart(_config.MaxStartsAfterSwitch, TimeSpan.FromSeconds(_config.CrashWindowSeconds), _clock()))
        {
            string reason = $"crash loop: {Store.State.StartsSinceSwitch} starts within {_config.CrashWindowSeconds} s of switching to {Store.State.Current}";
            _log.LogError("rolling back bundle {Version} to {Previous}: {Reason}", Store.State.Current, Store.State.Previous ?? FactoryVersion, reason);
            Store.RollBack(reason, _clock());
        }
        return LoadCurrentModel(options);
    }

    /// <summary>The current bundle, falling back (and persisting each fallback) to the previous one and then the factory model.</summary>
    public (LoadedModel Model, string Version) LoadCurrentModel(SessionOptions options)
    {
        while (Store.State.Current is { } version)
        {
            try
            {
                var model = LoadBundle(version, options);
                _log.LogInformation("running bundle {Version}", version);
                return (model, version);
            }
            catch (UpdateRejectedException e)
            {
                _log.LogError("bundle {Version} cannot run, rolling back to {Previous}: {Reason}", version, Store.State.Previous ?? FactoryVersion, e.Message);
                Store.RollBack(e.Message, _clock());
            }
        }
        return (ModelLoader.Load(_factory.Path!, _factory.Card, options, _log, runtimeLibrary: _factory.Runtime), FactoryVersion);
    }

    /// <summary>Loads an installed bundle into a new session after checking its files and running its self-test.</summary>
    public LoadedModel LoadBundle(string version, SessionOptions options)
    {
        string directory = Store.BundleDirectory(version);
        var manifest = ModelBundle.VerifyInstalled(directory);
        // A runtime that cannot be found is this device's problem, not the bundle's: it must not get the bundle rejected.
        ModelLoader.InitializeRuntime(_factory.Runtime, _log);
        LoadedModel model;
        try
        {
            model = ModelLoader.Load(Path.Combine(directory, manifest.Model), Path.Combine(directory, manifest.Card), options, _log,
                runtimeLibrary: _factory.Runtime);
        }
        catch (Exception e) when (e is OrtException or EdgeCam.Inference.Cards.ModelCardException or Cli.UserFacingException)
        {
            throw new UpdateRejectedException(UpdateFailure.ModelLoad, $"bundle {version}: the model does not load: {e.Message}");
        }
        try
        {
            ModelSelfTest.Run(model.Session, directory, manifest);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One update check. Returns a candidate ready to go live, or null when there is nothing newer
    /// (or the check failed: then <see cref="LastError"/> says why in one line).
    /// </summary>
    public async Task<UpdateCandidate?> CheckAsync(string runningVersion, SessionOptions options, CancellationToken cancel)
    {
        LastCheck = _clock();
        Interlocked.Increment(ref _checks);
        try
        {
            var candidate = await CheckOrThrowAsync(runningVersion, options, cancel).ConfigureAwait(false);
            LastError = null;
            LastOutcome = candidate is null ? $"up to date ({runningVersion})" : $"{candidate.Version} verified and self-tested";
            return candidate;
        }
        catch (UpdateRejectedException e)
        {
            LastError = $"{e.Failure}: {e.Message}";
            LastOutcome = "refused";
            Interlocked.Increment(ref _refusals);
            _log.LogError("refused: {Reason}", LastError);
            return null;
        }
    }

    private async Task<UpdateCandidate?> CheckOrThrowAsync(string runningVersion, SessionOptions options, CancellationToken cancel)
    {
        // The service and `edgecam update check --now` may both update: one at a time, each seeing the other's state.
        using var exclusive = Store.Lock();
        Store.Reload();
        Store.RemoveLeftovers();
        var client = new TufClient(TrustedMetadata.Open(Store.TufDirectory, _config.TrustedRoot), _downloader, _origin, _clock, _log);
        var targets = await client.RefreshAsync(cancel).ConfigureAwait(false);
        var (path, target) = ChooseTarget(targets, runningVersion);
        if (path is null) return null;
        var info = target!.Custom!;
        string version = info.Version;
        _log.LogInformation("{Target} ({Version}, {Length} bytes) is newer than {Running}; downloading", path, version, target.Length, runningVersion);

        string directory = Store.BundleDirectory(version);
        if (!IsInstalled(directory, target))
        {
            string staging = Store.StagingPath(path);
            await _downloader.DownloadAsync(client.TargetUrl(path), staging, target.Length, cancel).ConfigureAwait(false);
            string actual = Convert.ToHexStringLower(await HashFileAsync(staging, cancel).ConfigureAwait(false));
            if (actual != target.Hashes["sha256"])
            {
                File.Delete(staging);
                throw new UpdateRejectedException(UpdateFailure.Hash, $"{client.TargetUrl(path)}: the bundle's bytes differ from targets metadata (sha256 {actual[..12]}, expected {target.Hashes["sha256"][..12]}); discarded");
            }
            try
            {
                var manifest = ModelBundle.Install(staging, directory, actual);
                if (manifest.Name != info.Name || manifest.Version != version)
                    throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{path}: holds {manifest.Name} {manifest.Version}, targets metadata says {info.Name} {version}");
            }
            catch (UpdateRejectedException e)
            {
                Reject(version, e.Message);
                throw;
            }
            finally
            {
                File.Delete(staging);
            }
        }
        try
        {
            var model = LoadBundle(version, options);
            if (!SameLabels(model)) { model.Dispose(); throw new UpdateRejectedException(UpdateFailure.SelfTest, $"bundle {version}: its labels differ from the running model's, which the rules refer to"); }
            return new UpdateCandidate(version, model);
        }
        catch (UpdateRejectedException e)
        {
            Reject(version, e.Message);
            throw;
        }
    }

    /// <summary>The labels the rules were written against; set by the caller from the running model.</summary>
    public IReadOnlyList<string>? RunningLabels { get; set; }

    private bool SameLabels(LoadedModel model) => RunningLabels is null || model.Bound.Labels.SequenceEqual(RunningLabels);

    private void Reject(string version, string reason)
    {
        Store.Reject(version, reason, _clock());
        string directory = Store.BundleDirectory(version);
        if (Directory.Exists(directory) && version != Store.State.Current && version != Store.State.Previous) Directory.Delete(directory, recursive: true);
    }

    private bool IsInstalled(string directory, TargetFile target)
    {
        if (!Directory.Exists(directory)) return false;
        try
        {
            ModelBundle.VerifyInstalled(directory);
            var installed = System.Text.Json.JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(directory, InstalledBundle.FileName)),
                BundleJsonContext.Default.InstalledBundle);
            return installed?.BundleSha256 == target.Hashes["sha256"];
        }
        catch (UpdateRejectedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The newest bundle of this device's model line that is newer than the running one, not
    /// rejected before, and compatible. When the newest is for other hardware or a newer edgecam,
    /// that is logged, and an older compatible one is taken if there is one; if none, the reason is the error.
    /// </summary>
    private (string? Path, TargetFile? Target) ChooseTarget(TargetsMetadata targets, string runningVersion)
    {
        string? incompatible = null;
        foreach (var (path, target) in targets.Targets
                     .Where(t => t.Value.Custom?.Name == _config.Model && BundleVersion.TryParse(t.Value.Custom.Version, out _))
                     .OrderByDescending(t => t.Value.Custom!.Version, Comparer<string>.Create(BundleVersion.Compare)))
        {
            var info = target.Custom!;
            if (runningVersion != FactoryVersion && BundleVersion.Compare(info.Version, runningVersion) <= 0) break;
            if (Store.IsRejected(info.Version)) break; // not tried again until a newer one appears
            string? why = Incompatibility(path, target);
            if (why is null) return (path, target);
            incompatible ??= why;
            _log.LogWarning("skipping {Reason}", why);
        }
        if (incompatible is not null) throw new UpdateRejectedException(UpdateFailure.Incompatible, incompatible);
        return (null, null);
    }

    private string? Incompatibility(string path, TargetFile target)
    {
        var info = target.Custom!;
        // Target paths are relative to the origin: no scheme, no absolute path, no climbing out of it.
        if (path.Contains("://", StringComparison.Ordinal) || path.StartsWith('/') || path.Split('/').Any(p => p is "" or "." or ".."))
            return $"{path}: not a plain relative path on the origin";
        if (!info.Hardware.Intersect(Hardware, StringComparer.Ordinal).Any())
            return $"{path}: bundle {info.Version} is for hardware [{string.Join(", ", info.Hardware)}], this device is [{string.Join(", ", Hardware)}]";
        if (BundleVersion.Compare(info.MinEdgecamVersion, EdgecamVersion) > 0)
            return $"{path}: bundle {info.Version} needs edgecam {info.MinEdgecamVersion} or newer, this is {EdgecamVersion}";
        if (!target.Hashes.ContainsKey("sha256"))
            return $"{path}: targets metadata gives no sha256 for it";
        if (target.Length > (long)_config.MaxBundleMegabytes << 20)
            return $"{path}: {target.Length} bytes is more than update.maxBundleMegabytes ({_config.MaxBundleMegabytes} MiB)";
        return null;
    }

    private static async Task<byte[]> HashFileAsync(string path, CancellationToken cancel)
    {
        await using var stream = File.OpenRead(path);
        return await SHA256.HashDataAsync(stream, cancel).ConfigureAwait(false);
    }

    public void Dispose() => _downloader.Dispose();
}
