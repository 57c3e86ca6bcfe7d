using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using EdgeCam.Updates.Tuf;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Updates.Download;

/// <summary>
/// HTTP downloads that an origin cannot abuse: never more than the declared length is accepted
/// (endless data), every download has a deadline (slow retrieval), and a target interrupted half
/// way resumes with an HTTP Range request from the bytes already staged.
/// </summary>
public sealed class BoundedDownloader(HttpClient http, TimeSpan deadline, ILogger log) : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Downloads a small file (metadata) into memory. Null when the origin answers 404.</summary>
    public async Task<byte[]?> FetchAsync(Uri url, long maxLength, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(deadline);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode)
                throw new UpdateRejectedException(UpdateFailure.Network, $"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            if (response.Content.Headers.ContentLength > maxLength)
                throw TooLong(url, maxLength);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            var buffer = new MemoryStream();
            var chunk = new byte[ChunkSize];
            while (true)
            {
                int n = await body.ReadAsync(chunk, timeout.Token).ConfigureAwait(false);
                if (n == 0) break;
                if (buffer.Length + n > maxLength) throw TooLong(url, maxLength);
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new UpdateRejectedException(UpdateFailure.Timeout, $"{url}: not complete within the {deadline.TotalSeconds:0.#} s deadline (slow or stalled origin)");
        }
        catch (HttpRequestException e)
        {
            throw new UpdateRejectedException(UpdateFailure.Network, $"{url}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Downloads a target of known length into <paramref name="stagingPath"/>, resuming from the
    /// bytes already there. Returns when the file holds exactly <paramref name="length"/> bytes
    /// (the caller checks the hash); an interrupted download leaves its prefix for the next try.
    /// </summary>
    public async Task DownloadAsync(Uri url, string stagingPath, long length, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(deadline);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stagingPath))!);
        await using var file = new FileStream(stagingPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        long have = file.Length;
        if (have > length)
        {
            // More than the target can be: not a prefix of it. Start again.
            file.SetLength(0);
            have = 0;
        }
        if (have == length) return;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new UpdateRejectedException(UpdateFailure.Network, $"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            if (have > 0 && response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have)
                log.LogInformation("download {Url}: resuming at byte {Offset} of {Length}", url, have, length);
            else
            {
                if (have > 0) log.LogInformation("download {Url}: origin ignored the range request; starting again", url);
                have = 0;
                file.SetLength(0);
            }
            file.Position = have;
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            var chunk = new byte[ChunkSize];
            var progress = Stopwatch.StartNew();
            int lastTenth = (int)(have * 10 / length);
            while (true)
            {
                // Ask for one byte more than is missing, so a longer body is seen and refused.
                int want = (int)Math.Min(chunk.Length, length - have + 1);
                int n = await body.ReadAsync(chunk.AsMemory(0, want), timeout.Token).ConfigureAwait(false);
                if (n == 0) break;
                if (have + n > length) throw TooLong(url, length);
                await file.WriteAsync(chunk.AsMemory(0, n), timeout.Token).ConfigureAwait(false);
                have += n;
                int tenth = (int)(have * 10 / length);
                if (tenth != lastTenth && (progress.Elapsed > TimeSpan.FromSeconds(2) || tenth == 10))
                {
                    log.LogInformation("download {Url}: {Percent}% ({Have} of {Length} bytes)", url, tenth * 10, have, length);
                    progress.Restart();
                }
                lastTenth = tenth;
            }
            file.Flush(flushToDisk: true);
            if (have < length)
                throw new UpdateRejectedException(UpdateFailure.Network, $"{url}: connection ended after {have} of {length} bytes; will resume");
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            file.Flush(flushToDisk: true);
            throw new UpdateRejectedException(UpdateFailure.Timeout,
                $"{url}: {file.Length} of {length} bytes after the {deadline.TotalSeconds:0.#} s deadline (slow or stalled origin)");
        }
        catch (HttpRequestException e)
        {
            file.Flush(flushToDisk: true);
            throw new UpdateRejectedException(UpdateFailure.Network, $"{url}: {e.Message} after {file.Length} of {length} bytes; will resume", e);
        }
        catch (IOException e)
        {
            file.Flush(flushToDisk: true);
            throw new UpdateRejectedException(UpdateFailure.Network, $"{url}: {e.Message} after {file.Length} of {length} bytes; will resume", e);
        }
    }

    private static UpdateRejectedException TooLong(Uri url, long maxLength) =>
        new(UpdateFailure.TooLong, $"{url}: origin sent more than the {maxLength} bytes declared; refused");

    public void Dispose() => http.Dispose();
}
