using System.Runtime.InteropServices;

namespace EdgeCam.Updates.Storage;

/// <summary>
/// Writes that survive power loss: the bytes go to a temporary file in the same directory, are
/// flushed to the disk, renamed over the target, and the directory itself is flushed so the rename
/// is on disk too. A reader sees the old file or the new one, never a mix.
/// </summary>
public static partial class DurableFile
{
    /// <summary>Temporary files of this class start with this; leftovers of a crash are removed by <see cref="RemoveLeftovers"/>.</summary>
    public const string TempPrefix = ".tmp-";

    /// <param name="createDirectory">Create the directory if it is missing; false where a vanished
    /// directory is a fault to report (e.g. a snapshot directory on an unmounted card).</param>
    public static void Write(string path, ReadOnlySpan<byte> bytes, bool createDirectory = true)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (createDirectory) Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $"{TempPrefix}{Path.GetFileName(path)}-{Environment.ProcessId}-{Random.Shared.Next():x8}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        SyncDirectory(directory);
    }

    /// <summary>Flushes a directory's entries (new names, renames, deletions) to the disk.</summary>
    public static void SyncDirectory(string directory)
    {
        int fd = Open(directory, O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw new IOException($"{directory}: cannot open to flush: {Marshal.GetLastPInvokeErrorMessage()}");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"{directory}: fsync failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>Flushes an existing file's contents to the disk.</summary>
    public static void SyncFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Removes temporary files and directories a crash left behind in a directory.</summary>
    public static void RemoveLeftovers(string directory)
    {
        if (!Directory.Exists(directory)) return;
        foreach (string entry in Directory.EnumerateFileSystemEntries(directory, TempPrefix + "*"))
        {
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else TryDelete(entry);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private const int O_RDONLY = 0;
    // O_DIRECTORY is not used: its value differs between x86_64 and arm64, and O_RDONLY opens a directory anyway.
    private const int O_CLOEXEC = 0x80000; // 02000000 on both

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
