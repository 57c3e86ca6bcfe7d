using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace EdgeCam.Tests.Updates;

/// <summary>
/// A real HTTP server on 127.0.0.1 (HttpListener) serving an update origin's directory as static
/// files, with Range support, a request log, and per-path misbehaviour for the attack tests
/// (endless bodies, trickling, cutting a transfer short).
/// </summary>
public sealed class TestOrigin : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public string Root { get; }
    public Uri BaseUri { get; }
    /// <summary>One line per request: "GET /path" plus " Range: bytes=N-" when one was asked for.</summary>
    public ConcurrentQueue<string> Log { get; } = new();
    /// <summary>Handlers that replace the static file for a path ("/timestamp.json").</summary>
    public ConcurrentDictionary<string, Func<HttpListenerContext, Task>> Overrides { get; } = new();

    public TestOrigin(string root)
    {
        Root = root;
        int port = TestPorts.FreeLoopbackPort();
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUri.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }


    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            _ = Task.Run(() => Serve(context));
        }
    }

    private async Task Serve(HttpListenerContext context)
    {
        string path = context.Request.Url!.AbsolutePath;
        string? range = context.Request.Headers["Range"];
        Log.Enqueue($"GET {path}" + (range is null ? "" : $" Range: {range}"));
        try
        {
            if (Overrides.TryGetValue(path, out var handler)) await handler(context);
            else await ServeFile(context, path, range, limit: null);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away (as the downloader does when it refuses a body): nothing to do.
        }
        finally
        {
            try { context.Response.Close(); } catch (Exception) { /* already aborted */ }
        }
    }

    /// <summary>Serves a file (honouring "Range: bytes=N-"); with <paramref name="limit"/>, aborts the connection after that many bytes.</summary>
    public async Task ServeFile(HttpListenerContext context, string path, string? range, long? limit)
    {
        string file = Path.Combine(Root, path.TrimStart('/'));
        if (!File.Exists(file))
        {
            context.Response.StatusCode = 404;
            return;
        }
        byte[] bytes = await File.ReadAllBytesAsync(file);
        long from = 0;
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
            && long.TryParse(range["bytes=".Length..^1], out from) && from < bytes.Length)
        {
            context.Response.StatusCode = 206;
            context.Response.Headers["Content-Range"] = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
        }
        else from = 0;
        context.Response.ContentLength64 = bytes.Length - from;
        long count = bytes.Length - from;
        if (limit is { } cut && cut < count)
        {
            await context.Response.OutputStream.WriteAsync(bytes.AsMemory((int)from, (int)cut));
            await context.Response.OutputStream.FlushAsync();
            context.Response.Abort(); // the connection drops mid-body
            return;
        }
        await context.Response.OutputStream.WriteAsync(bytes.AsMemory((int)from, (int)count));
    }

    /// <summary>A body that never ends (chunked, no length).</summary>
    public static async Task Endless(HttpListenerContext context)
    {
        context.Response.SendChunked = true;
        var chunk = new byte[16384];
        Array.Fill(chunk, (byte)'{');
        for (int i = 0; i < 1_000_000; i++) await context.Response.OutputStream.WriteAsync(chunk);
    }

    /// <summary>A file's bytes followed by more than declared.</summary>
    public Func<HttpListenerContext, Task> WithExtraBytes(string path, int extra) => async context =>
    {
        byte[] bytes = await File.ReadAllBytesAsync(Path.Combine(Root, path.TrimStart('/')));
        context.Response.ContentLength64 = bytes.Length + extra;
        await context.Response.OutputStream.WriteAsync(bytes);
        await context.Response.OutputStream.WriteAsync(new byte[extra]);
    };

    /// <summary>A file trickled one small piece at a time.</summary>
    public Func<HttpListenerContext, Task> Trickle(string path, int bytesPerTick, TimeSpan tick) => async context =>
    {
        byte[] bytes = await File.ReadAllBytesAsync(Path.Combine(Root, path.TrimStart('/')));
        context.Response.ContentLength64 = bytes.Length;
        for (int i = 0; i < bytes.Length && !_stop.IsCancellationRequested; i += bytesPerTick)
        {
            await context.Response.OutputStream.WriteAsync(bytes.AsMemory(i, Math.Min(bytesPerTick, bytes.Length - i)));
            await context.Response.OutputStream.FlushAsync();
            await Task.Delay(tick);
        }
    };

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
