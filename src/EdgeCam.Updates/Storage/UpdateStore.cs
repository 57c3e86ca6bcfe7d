using System.Text.Json;
using EdgeCam.Updates.Bundles;
using EdgeCam.Updates.Tuf;

namespace EdgeCam.Updates.Storage;

/// <summary>
/// The update state directory:
/// <code>
///   tuf/            trusted metadata (root, timestamp, snapshot, targets)
///   staging/        downloads in progress (NAME.part, resumed after an interruption)
///   bundles/V/      installed bundles, each committed by one directory rename
///   state.json      current / previous / rejected, replaced durably
/// </code>
/// Nothing half-written is ever used: temporary files and directories carry a ".tmp-" prefix and
/// are removed on open; a bundle directory exists only complete; state.json is old or new.
/// </summary>
public sealed class UpdateStore
{
    public string Directory { get; }
    public string TufDirectory => Path.Combine(Directory, "tuf");
    public string StagingDirectory => Path.Combine(Directory, "staging");
    public string BundlesDirectory => Path.Combine(Directory, "bundles");
    private string StatePath => Path.Combine(Directory, "state.json");

    public UpdateState State { get; private set; }

    private UpdateStore(string directory, UpdateState state)
    {
        Directory = directory;
        State = state;
    }

    public static UpdateStore Open(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "bundles"));
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "staging"));
        return new UpdateStore(directory, ReadState(directory));
    }

    private static UpdateState ReadState(string directory)
    {
        string path = Path.Combine(directory, "state.json");
        var state = new UpdateState();
        if (File.Exists(path))
        {
            try
            {
                state = JsonSerializer.Deserialize(File.ReadAllBytes(path), UpdateStateJsonContext.Default.UpdateState) ?? new UpdateState();
            }
            catch (JsonException e)
            {
                // state.json is only ever replaced by rename, so this is corruption from outside; the
                // factory model is the safe choice.
                throw new UpdateRejectedException(UpdateFailure.Malformed, $"{path}: unreadable update state ({e.Message}); move it away to start from the factory model");
            }
        }
        return state;
    }

    /// <summary>Removes what a crash left half-written (temporary files and directories). Call with <see cref="Lock"/> held,
    /// so another process's work in progress is not mistaken for a leftover.</summary>
    public void RemoveLeftovers()
    {
        DurableFile.RemoveLeftovers(Directory);
        DurableFile.RemoveLeftovers(BundlesDirectory);
        DurableFile.RemoveLeftovers(TufDirectory);
    }

    /// <summary>Re-reads state.json (another process may have changed it).</summary>
    public void Reload() => State = ReadState(Directory);

    /// <summary>An exclusive lock on the state directory (an advisory flock, released when the process dies).</summary>
    public IDisposable Lock()
    {
        try
        {
            return new FileStream(Path.Combine(Directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new UpdateRejectedException(UpdateFailure.Busy, $"{Directory}: another edgecam process is updating right now; try again later");
        }
    }

    public string BundleDirectory(string version) => Path.Combine(BundlesDirectory, version);

    public string StagingPath(string targetPath) => Path.Combine(StagingDirectory, Path.GetFileName(targetPath) + ".part");

    public bool IsRejected(string version) => State.Rejected.Any(r => r.Version == version);

    public void Save()
    {
        DurableFile.Write(StatePath, JsonSerializer.SerializeToUtf8Bytes(State, UpdateStateJsonContext.Default.UpdateState));
    }

    /// <summary>Makes an installed bundle the current one (the old current becomes previous).</summary>
    public void SwitchTo(string version, DateTimeOffset now)
    {
        if (State.Current == version) return;
        State.Previous = State.Current;
        State.Current = version;
        State.SwitchedAtUnixMs = now.ToUnixTimeMilliseconds();
        State.StartsSinceSwitch = 0;
        State.Confirmed = false;
        Save();
    }

    /// <summary>Goes back to the previous bundle (or the factory model) and records the current one as rejected.</summary>
    public void RollBack(string reason, DateTimeOffset now)
    {
        if (State.Current is { } bad) Reject(bad, reason, now, save: false);
        State.Current = State.Previous;
        State.Previous = null;
        State.Confirmed = true;
        State.StartsSinceSwitch = 0;
        Save();
        RemoveUnusedBundles();
    }

    public void Reject(string version, string reason, DateTimeOffset now, bool save = true)
    {
        if (!IsRejected(version))
            State.Rejected.Add(new RejectedVersion { Version = version, Reason = reason, AtUnixMs = now.ToUnixTimeMilliseconds() });
        if (save) Save();
    }

    /// <summary>
    /// Counts a process start after a switch. Returns true when the starts exceed
    /// <paramref name="maxStarts"/> within <paramref name="window"/> of the switch: a crash loop.
    /// </summary>
    public bool NoteStart(int maxStarts, TimeSpan window, DateTimeOffset now)
    {
        if (State.Current is null || State.Confirmed) return false;
        State.StartsSinceSwitch++;
        Save();
        return State.StartsSinceSwitch > maxStarts && now.ToUnixTimeMilliseconds() - State.SwitchedAtUnixMs < window.TotalMilliseconds;
    }

    public void Confirm()
    {
        if (State.Confirmed) return;
        State.Confirmed = true;
        State.StartsSinceSwitch = 0;
        Save();
    }

    /// <summary>Deletes installed bundles that are neither current nor previous.</summary>
    public void RemoveUnusedBundles()
    {
        foreach (string dir in System.IO.Directory.EnumerateDirectories(BundlesDirectory))
        {
            string name = Path.GetFileName(dir);
            if (name != State.Current && name != State.Previous && !name.StartsWith(DurableFile.TempPrefix, StringComparison.Ordinal))
                System.IO.Directory.Delete(dir, recursive: true);
        }
    }
}
