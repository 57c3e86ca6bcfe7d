using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeCam.Http;
using EdgeCam.Logging;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Tests.Http;

/// <summary>The HTTP server on a real loopback socket, driven with raw bytes where HttpClient would
/// hide what is on the wire (pipelining, malformed heads, slow and greedy clients).</summary>
public class HttpServerTests
{
    private static readonly ILogger Log = new JournalLoggerFactory(new JournalLoggerProvider(LogLevel.Critical)).CreateLogger("test");

    private static HttpServer Start(HttpServerLimits? limits = null, HttpHandler? handler = null)
    {
        handler ??= (r, _) => ValueTask.FromResult(HttpResponse.Text(200, $"{r.Method} {r.Path} {r.QueryValue("x")} {r.Body.Length}"));
        var server = new HttpServer(new IPEndPoint(IPAddress.Loopback, 0), handler, Log, limits);
        server.Start();
        return server;
    }

    private static async Task<Socket> Connect(HttpServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.LocalEndPoint);
        return socket;
    }

    /// <summary>Everything the server sends until it closes the connection (or 5 s pass).</summary>
    private static async Task<string> ReadToClose(Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0) all.Write(buffer, 0, n);
        }
        catch (OperationCanceledException) { all.Write("<still open>"u8); }
        return Encoding.ASCII.GetString(all.ToArray());
    }

    private static async Task<string> Exchange(HttpServer server, string request)
    {
        using var socket = await Connect(server);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        return await ReadToClose(socket);
    }

    [Fact]
    public async Task PipelinedRequestsOnOneConnectionAreAnsweredInOrder()
    {
        using var server = Start();
        string both = await Exchange(server,
            "GET /a?x=1 HTTP/1.1\r\nHost: t\r\n\r\nPOST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
        int first = both.IndexOf("GET /a 1 0", StringComparison.Ordinal), second = both.IndexOf("POST /b  3", StringComparison.Ordinal);
        Assert.True(first > 0 && second > first, both);
        Assert.Contains("Connection: keep-alive", both[..first]);
        Assert.Contains("Connection: close", both[first..]);
        Assert.DoesNotContain("<still open>", both);
    }

    [Fact]
    public async Task Http10ClosesUnlessAskedToKeepAlive()
    {
        using var server = Start();
        string response = await Exchange(server, "GET /x HTTP/1.0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.DoesNotContain("<still open>", response);
    }

    [Theory]
    [InlineData("GET /x HTTP/1.1\r\n\r\n", "400", "Host")]
    [InlineData("GET /x\r\nHost: t\r\n\r\n", "400", "request line")]
    [InlineData("get /x HTTP/1.1\r\nHost: t\r\n\r\n", "400", "method")]
    [InlineData("GET http://evil/x HTTP/1.1\r\nHost: t\r\n\r\n", "400", "starting with '/'")]
    [InlineData("GET /x HTTP/2.0\r\nHost: t\r\n\r\n", "505", "HTTP/2.0")]
    [InlineData("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n", "411", "Content-Length")]
    [InlineData("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 99999\r\n\r\n", "413", "99999")]
    [InlineData("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", "400", "Content-Length")]
    [InlineData("GET /x HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n", "400", "folding")]
    [InlineData("GET /x HTTP/1.1\r\nHo st: t\r\n\r\n", "400", "header name")]
    public async Task MalformedRequestsGetAClearStatusAndTheConnectionCloses(string request, string status, string reason)
    {
        using var server = Start();
        string response = await Exchange(server, request);
        Assert.StartsWith($"HTTP/1.1 {status} ", response);
        Assert.Contains(reason, response);
        Assert.Contains("Connection: close", response);
        Assert.DoesNotContain("<still open>", response);
    }

    [Fact]
    public async Task AHeadLargerThanTheLimitIs431()
    {
        using var server = Start(new HttpServerLimits { MaxHeadBytes = 1024 });
        string response = await Exchange(server, "GET /x HTTP/1.1\r\nHost: t\r\nX-Big: " + new string('a', 2000) + "\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431 ", response);
    }

    [Fact]
    public async Task ATargetLongerThanTheLimitIs414()
    {
        using var server = Start();
        string response = await Exchange(server, "GET /" + new string('a', 3000) + " HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 414 ", response);
    }

    [Fact]
    public async Task ASlowClientGets408AndAnIdleOneIsClosedQuietly()
    {
        using var server = Start(new HttpServerLimits { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        using (var slow = await Connect(server))
        {
            await slow.SendAsync("GET /x HTTP/1.1\r\nHo"u8.ToArray());
            string response = await ReadToClose(slow);
            Assert.StartsWith("HTTP/1.1 408 ", response);
        }
        using (var idle = await Connect(server))
        {
            Assert.Equal("", await ReadToClose(idle));
        }
    }

    [Fact]
    public async Task ConnectionsBeyondTheLimitGet503()
    {
        using var server = Start(new HttpServerLimits { MaxConnections = 2 });
        using var a = await Connect(server);
        using var b = await Connect(server);
        var until = DateTime.UtcNow.AddSeconds(5);
        while (server.ActiveConnections < 2 && DateTime.UtcNow < until) await Task.Delay(10);
        using var c = await Connect(server);
        string response = await ReadToClose(c);
        Assert.StartsWith("HTTP/1.1 503 ", response);
        Assert.Contains("Retry-After: 1", response);
        a.Dispose();
        while (server.ActiveConnections > 1 && DateTime.UtcNow < until) await Task.Delay(10);
        Assert.StartsWith("HTTP/1.1 200 ", await Exchange(server, "GET /again HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
    }

    [Fact]
    public async Task AFailingHandlerIs500AndASlowOneIs503()
    {
        using var failing = Start(handler: (_, _) => throw new InvalidOperationException("boom"));
        string response = await Exchange(failing, "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 500 ", response);
        Assert.Contains("boom", response);

        using var slow = Start(new HttpServerLimits { HandlerTimeout = TimeSpan.FromMilliseconds(200) },
            async (_, cancel) => { await Task.Delay(5000, cancel); return HttpResponse.Text(200, "late"); });
        Assert.StartsWith("HTTP/1.1 503 ", await Exchange(slow, "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
    }

    [Fact]
    public async Task HttpClientTalksToIt()
    {
        using var server = Start();
        using var client = new HttpClient { BaseAddress = new Uri($"http://{server.LocalEndPoint}") };
        for (int i = 0; i < 3; i++) // kept alive between requests
            Assert.Equal($"GET /q {i} 0\n", await client.GetStringAsync($"/q?x={i}"));
    }

    [Theory]
    [InlineData("127.0.0.1:8080", true)]
    [InlineData("localhost:0", true)]
    [InlineData("[::1]:9000", true)]
    [InlineData("0.0.0.0:80", true)]
    [InlineData("::1:9000", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.0.1:70000", false)]
    [InlineData("camera.local:80", false)]
    public void ListenAddressesParse(string listen, bool valid) => Assert.Equal(valid, HttpServer.TryParseListen(listen, out _));

    [Fact]
    public void TokenComparisonIsExact()
    {
        byte[] token = "0123456789abcdef"u8.ToArray();
        Assert.True(BearerToken.FixedTimeEquals("0123456789abcdef"u8, token));
        Assert.False(BearerToken.FixedTimeEquals("0123456789abcdeF"u8, token));
        Assert.False(BearerToken.FixedTimeEquals("0123456789abcde"u8, token));
        Assert.False(BearerToken.FixedTimeEquals("0123456789abcdef0"u8, token));
        Assert.False(BearerToken.FixedTimeEquals(""u8, token));
    }
}
