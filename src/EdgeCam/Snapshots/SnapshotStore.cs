using EdgeCam.Updates.Storage;
using System.Collections.Concurrent;
using System.Globalization;
using EdgeCam.Imaging.Codecs.TurboJpeg;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Snapshots;

/// <summary>
/// Event snapshots on disk: a JPEG with the detections drawn for each rule activation, written by a
/// background thread (the pipeline only hands over the capture) atomically — temp file, fsync,
/// rename, fsync of the directory — so a power cut leaves either the whole file or none. After each
/// write the oldest snapshots are deleted until the directory is within its quota. When the disk
/// cannot keep up, at most <see cref="QueueLength"/> captures wait and newer ones are dropped (counted).
/// </summary>
public sealed class SnapshotStore : IDisposable
{
    public const int QueueLength = 4;
    private readonly string _directory;
    private readonly long _quotaBytes;
    private readonly int _quality;
    private readonly ILogger _log;
    private readonly BlockingCollection<(string Rule, CapturedFrame Frame)> _queue = new(QueueLength);
    private readonly Thread _writer;
    private long _written, _dropped, _deleted, _failed;

    public SnapshotStore(string directory, long quotaBytes, int quality, ILogger log)
    {
        _directory = Path.GetFullPath(directory);
        _quotaBytes = quotaBytes;
        _quality = quality;
        _log = log;
        Directory.CreateDirectory(_directory);
        // Temp files are what an interrupted write leaves behind; they were never complete snapshots.
        DurableFile.RemoveLeftovers(_directory);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "edgecam-snapshots" };
        _writer.Start();
    }

    public string Location => _directory;
    public long Written => Interlocked.Read(ref _written);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Deleted => Interlocked.Read(ref _deleted);
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Queues a snapshot; never blocks the caller (the pipeline thread).</summary>
    public void Enqueue(string rule, CapturedFrame frame)
    {
        Interlocked.Increment(ref _pending);
        if (_queue.IsAddingCompleted || !_queue.TryAdd((rule, frame)))
        {
            Interlocked.Decrement(ref _pending);
            Interlocked.Increment(ref _dropped);
            _log.LogWarning("event snapshot for {Rule} dropped: {Count} are still being written", rule, QueueLength);
        }
    }

    /// <summary>Waits until everything queued so far is on disk (tests, shutdown).</summary>
    public bool Flush(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (Volatile.Read(ref _pending) == 0) return true;
            Thread.Sleep(10);
        }
        return false;
    }

    /// <summary>Snapshots queued and not yet written (or failed).</summary>
    private int _pending;

    private void WriteLoop()
    {
        using var encoder = new JpegEncoder();
        foreach (var (rule, frame) in _queue.GetConsumingEnumerable())
        {
            try
            {
                string name = FileName(rule, frame);
                WriteAtomically(Path.Combine(_directory, name), frame.EncodeWithBoxes(encoder, _quality));
                Interlocked.Increment(ref _written);
                EnforceQuota(keep: name);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                Interlocked.Increment(ref _failed);
                _log.LogError("event snapshot for {Rule} not written to {Directory}: {Error}", rule, _directory, e.Message);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    /// <summary>"20261201T120000.123Z-face_seen-42.jpg": sorts by time, says what fired, on which frame.</summary>
    public static string FileName(string rule, CapturedFrame frame)
    {
        var safe = new string(rule.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        return $"{frame.CapturedUtc.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture)}-{safe}-{frame.Sequence}.jpg";
    }

    /// <summary>Temp file, fsync, rename, fsync of the directory: a snapshot is whole or absent.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes) => DurableFile.Write(path, bytes, createDirectory: false);

    /// <summary>Deletes the oldest snapshots (by name, which is by time) until the total fits the quota.</summary>
    private void EnforceQuota(string keep)
    {
        var files = new DirectoryInfo(_directory).GetFiles("*.jpg").OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        long total = files.Sum(f => f.Length);
        foreach (var f in files)
        {
            if (total <= _quotaBytes) break;
            if (f.Name == keep) continue;
            total -= f.Length;
            f.Delete();
            Interlocked.Increment(ref _deleted);
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _writer.Join(TimeSpan.FromSeconds(5));
        _queue.Dispose();
    }
}
