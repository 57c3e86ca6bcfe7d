using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Http;

/// <summary>Limits that keep a small device safe from slow, large or many clients.</summary>
public sealed record HttpServerLimits
{
    /// <summary>Connections served at once; one more is answered 503 and closed.</summary>
    public int MaxConnections { get; init; } = 8;
    public int MaxHeadBytes { get; init; } = 8192;
    public int MaxBodyBytes { get; init; } = 4096;
    /// <summary>Time a client has to send a whole request, and to start the next one on a kept-alive connection.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Time a handler may take before the client gets 503.</summary>
    public TimeSpan HandlerTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public int MaxRequestsPerConnection { get; init; } = 100;
}

public delegate ValueTask<HttpResponse> HttpHandler(HttpRequest request, CancellationToken cancel);

/// <summary>
/// A small HTTP/1.1 server over a plain TCP socket (ASP.NET Core is not part of the NativeAOT
/// build): bounded concurrency, size limits on the head and the body, a deadline for every request,
/// optional keep-alive, HEAD answered like GET without the body. It runs on the thread pool and
/// never touches the pipeline thread; handlers read shared state or ask the pipeline for work.
/// </summary>
public sealed class HttpServer : IDisposable
{
    private readonly Socket _listener;
    private readonly HttpHandler _handler;
    private readonly HttpServerLimits _limits;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private int _active;
    private Task? _acceptLoop;

    public HttpServer(IPEndPoint endpoint, HttpHandler handler, ILogger log, HttpServerLimits? limits = null)
    {
        _handler = handler;
        _log = log;
        _limits = limits ?? new HttpServerLimits();
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(endpoint);
            _listener.Listen(32);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    /// <summary>Where it listens (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    public int ActiveConnections => Volatile.Read(ref _active);

    public void Start() => _acceptLoop = Task.Run(AcceptLoop);

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.LogWarning("http: accept failed: {Error}", e.SocketErrorCode);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }
            if (Interlocked.Increment(ref _active) > _limits.MaxConnections)
            {
                Interlocked.Decrement(ref _active);
                _ = RejectBusy(client);
                continue;
            }
            _ = Serve(client);
        }
    }

    private async Task RejectBusy(Socket client)
    {
        using (client)
        {
            try
            {
                var response = HttpResponse.Text(503, $"too many connections (at most {_limits.MaxConnections}); try again").With("Retry-After", "1");
                using var timeout = new CancellationTokenSource(_limits.RequestTimeout);
                await client.SendAsync(Serialize(response, keepAlive: false, headOnly: false), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException) { }
        }
    }

    private async Task Serve(Socket client)
    {
        try
        {
            using (client)
            {
                client.NoDelay = true;
                var pending = new PendingBytes(new byte[_limits.MaxHeadBytes + _limits.MaxBodyBytes]);
                for (int served = 0; served < _limits.MaxRequestsPerConnection && !_stop.IsCancellationRequested; served++)
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    deadline.CancelAfter(_limits.RequestTimeout);
                    HttpRequest request;
                    int consumed;
                    try
                    {
                        (request, consumed) = await ReadRequest(client, pending, deadline.Token).ConfigureAwait(false);
                    }
                    catch (HttpParseException e)
                    {
                        await Send(client, HttpResponse.Text(e.Status, e.Message), false, false).ConfigureAwait(false);
                        await LingeringClose(client).ConfigureAwait(false);
                        return;
                    }
                    catch (OperationCanceledException)
                    {
                        // Half a request when time ran out gets 408; an idle kept-alive connection just closes.
                        if (pending.Filled > 0 && !_stop.IsCancellationRequested)
                            await Send(client, HttpResponse.Text(408, $"the request did not arrive within {_limits.RequestTimeout.TotalSeconds:0} s"), false, false).ConfigureAwait(false);
                        return;
                    }
                    catch (EndOfStreamException)
                    {
                        return;
                    }

                    bool keepAlive = request.WantsKeepAlive && served + 1 < _limits.MaxRequestsPerConnection;
                    var response = await Handle(request).ConfigureAwait(false);
                    await Send(client, response, keepAlive, request.Method == "HEAD").ConfigureAwait(false);
                    if (!keepAlive)
                    {
                        await LingeringClose(client).ConfigureAwait(false);
                        return;
                    }
                    // Keep whatever the client already sent of the next request (pipelining).
                    pending.Consume(consumed);
                }
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the server is stopping: nothing to answer.
        }
        catch (Exception e)
        {
            _log.LogError(e, "http: connection failed");
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>
    /// Closing with unread request bytes makes the kernel send a reset, which can destroy the response
    /// before the client reads it: so stop sending, then read and drop what still comes, briefly.
    /// </summary>
    private static async Task LingeringClose(Socket client)
    {
        try
        {
            client.Shutdown(SocketShutdown.Send);
            using var linger = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var sink = new byte[4096];
            for (int total = 0; total < 1 << 20;)
            {
                int n = await client.ReceiveAsync(sink, SocketFlags.None, linger.Token).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
    }

    /// <summary>Bytes received on a connection and not yet used by a request.</summary>
    private sealed class PendingBytes(byte[] buffer)
    {
        public byte[] Buffer { get; } = buffer;
        public int Filled { get; set; }

        public void Consume(int count)
        {
            System.Buffer.BlockCopy(Buffer, count, Buffer, 0, Filled - count);
            Filled -= count;
        }
    }

    /// <summary>Reads until one whole request is in the buffer; returns it and the bytes it used.</summary>
    private async Task<(HttpRequest, int)> ReadRequest(Socket client, PendingBytes pending, CancellationToken cancel)
    {
        var buffer = pending.Buffer;
        int headEnd;
        while ((headEnd = HttpRequestParser.FindHeadEnd(buffer.AsSpan(0, Math.Min(pending.Filled, _limits.MaxHeadBytes)))) < 0)
        {
            if (pending.Filled >= _limits.MaxHeadBytes)
                throw new HttpParseException(431, $"the request head is larger than {_limits.MaxHeadBytes} bytes");
            pending.Filled += await Receive(client, buffer.AsMemory(pending.Filled, _limits.MaxHeadBytes - pending.Filled), cancel).ConfigureAwait(false);
        }
        var head = HttpRequestParser.ParseHead(buffer.AsSpan(0, headEnd), _limits.MaxBodyBytes);
        int end = headEnd + head.ContentLength;
        while (pending.Filled < end)
            pending.Filled += await Receive(client, buffer.AsMemory(pending.Filled, buffer.Length - pending.Filled), cancel).ConfigureAwait(false);
        var body = buffer.AsSpan(headEnd, head.ContentLength).ToArray();
        return (new HttpRequest(head.Method, head.Path, head.Query, head.Http11, head.Headers, body), end);
    }

    private static async ValueTask<int> Receive(Socket client, Memory<byte> into, CancellationToken cancel)
    {
        int n = await client.ReceiveAsync(into, SocketFlags.None, cancel).ConfigureAwait(false);
        return n > 0 ? n : throw new EndOfStreamException();
    }

    private async ValueTask<HttpResponse> Handle(HttpRequest request)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_limits.HandlerTimeout);
        try
        {
            return await _handler(request, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return HttpResponse.Text(503, $"{request.Method} {request.Path} did not finish within {_limits.HandlerTimeout.TotalSeconds:0} s");
        }
        catch (Exception e)
        {
            _log.LogError(e, "http: {Method} {Path} failed", request.Method, request.Path);
            return HttpResponse.Text(500, $"internal error: {e.Message}");
        }
    }

    private async Task Send(Socket client, HttpResponse response, bool keepAlive, bool headOnly)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_limits.RequestTimeout);
        var bytes = Serialize(response, keepAlive, headOnly);
        int sent = 0;
        while (sent < bytes.Length)
            sent += await client.SendAsync(bytes.AsMemory(sent), SocketFlags.None, timeout.Token).ConfigureAwait(false);
    }

    private static byte[] Serialize(HttpResponse response, bool keepAlive, bool headOnly)
    {
        var head = new StringBuilder(256);
        head.Append("HTTP/1.1 ").Append(response.Status).Append(' ').Append(HttpResponse.Reason(response.Status)).Append("\r\n");
        head.Append("Content-Type: ").Append(response.ContentType).Append("\r\n");
        head.Append("Content-Length: ").Append(response.Body.Length).Append("\r\n");
        head.Append("Cache-Control: no-store\r\n");
        head.Append("Connection: ").Append(keepAlive ? "keep-alive" : "close").Append("\r\n");
        foreach (var h in response.Headers) head.Append(h.Key).Append(": ").Append(h.Value).Append("\r\n");
        head.Append("\r\n");
        int headLength = Encoding.ASCII.GetByteCount(head.ToString());
        var bytes = new byte[headLength + (headOnly ? 0 : response.Body.Length)];
        Encoding.ASCII.GetBytes(head.ToString(), bytes);
        if (!headOnly) response.Body.CopyTo(bytes, headLength);
        return bytes;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try { _acceptLoop?.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        _stop.Dispose();
    }

    /// <summary>Parses "HOST:PORT" ("127.0.0.1:8080", "[::1]:8080", "localhost:8080", "0.0.0.0:80").</summary>
    public static bool TryParseListen(string listen, out IPEndPoint endpoint)
    {
        endpoint = null!;
        int colon = listen.LastIndexOf(':');
        if (colon <= 0) return false;
        string host = listen[..colon];
        if (!int.TryParse(listen.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
            || port > 65535) return false;
        if (host == "localhost") host = "127.0.0.1";
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':')) return false; // an IPv6 address needs brackets
        if (!IPAddress.TryParse(host, out var address)) return false;
        endpoint = new IPEndPoint(address, port);
        return true;
    }
}
