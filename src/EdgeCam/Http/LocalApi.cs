using System.Text;
using System.Text.Json;
using EdgeCam.Imaging.Codecs.TurboJpeg;
using EdgeCam.Metrics;
using EdgeCam.Running;
using EdgeCam.Snapshots;

namespace EdgeCam.Http;

/// <summary>
/// The routes of the local API. Read-only endpoints are open (the server listens on loopback by
/// default); endpoints that change something need the bearer token.
/// <list type="bullet">
/// <item>GET /healthz: 200 while the process serves requests (liveness).</item>
/// <item>GET /readyz: 200 once the model is loaded and the first frame processed, else 503.</item>
/// <item>GET /metrics: Prometheus text format.</item>
/// <item>GET /status: JSON.</item>
/// <item>GET /snapshot.jpg: the newest frame with detection boxes.</item>
/// <item>POST /outputs/{name}/pulse?ms=N: switch an output on for N ms (wiring test; default 500).</item>
/// <item>POST /update/check: asks the update controller for a check now (202); 501 when the config has no update section.</item>
/// </list>
/// </summary>
public sealed class LocalApi(RunStatus run, MetricsRegistry metrics, FrameCapture capture, BearerToken token) : IDisposable
{
    public const int MaxPulseMs = 10_000;
    private readonly JpegEncoder _encoder = new();
    private readonly Lock _encoderGate = new();

    /// <summary>How long /snapshot.jpg waits for the pipeline's next frame before serving the last one.</summary>
    public TimeSpan SnapshotWait { get; init; } = TimeSpan.FromSeconds(3);

    public async ValueTask<HttpResponse> Handle(HttpRequest request, CancellationToken cancel)
    {
        string path = request.Path;
        if (path.StartsWith("/outputs/", StringComparison.Ordinal) && path.EndsWith("/pulse", StringComparison.Ordinal))
            return Post(request) ?? Pulse(request, Uri.UnescapeDataString(path["/outputs/".Length..^"/pulse".Length]));
        return path switch
        {
            "/healthz" => Get(request) ?? HttpResponse.Text(200, "ok"),
            "/readyz" => Get(request) ?? (run.Ready
                ? HttpResponse.Text(200, "ready")
                : HttpResponse.Text(503, "not ready: the model is loading or no frame has been processed yet")),
            "/metrics" => Get(request) ?? new HttpResponse(200, "text/plain; version=0.0.4; charset=utf-8", Encoding.UTF8.GetBytes(metrics.Scrape())),
            "/status" => Get(request) ?? HttpResponse.Json(200, JsonSerializer.SerializeToUtf8Bytes(StatusDocument.From(run), ApiJsonContext.Default.StatusDocument)),
            "/snapshot.jpg" => Get(request) ?? await Snapshot(cancel).ConfigureAwait(false),
            "/update/check" => Post(request) ?? RequestUpdateCheck(),
            _ => HttpResponse.Text(404, $"no endpoint {path}; try /healthz, /readyz, /metrics, /status, /snapshot.jpg"),
        };
    }

    private static HttpResponse? Get(HttpRequest r) => r.Method is "GET" or "HEAD"
        ? null
        : HttpResponse.Text(405, $"{r.Method} is not allowed on {r.Path}, only GET and HEAD").With("Allow", "GET, HEAD");

    private HttpResponse? Post(HttpRequest r) => r.Method == "POST"
        ? token.Refuse(r)
        : HttpResponse.Text(405, $"{r.Method} is not allowed on {r.Path}, only POST").With("Allow", "POST");

    private HttpResponse RequestUpdateCheck()
    {
        if (run.CheckUpdateNow is not { } check) return HttpResponse.Text(501, "this device's config has no update section");
        check();
        return HttpResponse.Text(202, "update check requested; see /status and the log for its outcome");
    }

    private HttpResponse Pulse(HttpRequest request, string output)
    {
        int ms = 500;
        if (request.QueryValue("ms") is { } text && (!int.TryParse(text, out ms) || ms < 1 || ms > MaxPulseMs))
            return HttpResponse.Text(400, $"ms: \"{text}\" is not allowed, expected an integer from 1 to {MaxPulseMs}");
        if (run.Rules is not { } rules)
            return HttpResponse.Text(503, "the outputs are not set up yet");
        if (!rules.HoldOn(output, Environment.TickCount64 + ms))
            return HttpResponse.Text(404, $"no output \"{output}\"; the config declares: {string.Join(", ", rules.Outputs.Outputs.Select(o => o.Name))}");
        return HttpResponse.Json(202, JsonSerializer.SerializeToUtf8Bytes(new PulseAccepted(output, ms), ApiJsonContext.Default.PulseAccepted));
    }

    private async Task<HttpResponse> Snapshot(CancellationToken cancel)
    {
        var frame = await capture.NextAsync(SnapshotWait, cancel).ConfigureAwait(false);
        if (frame is null) return HttpResponse.Text(503, "no frame has been processed yet");
        byte[] jpeg;
        lock (_encoderGate) jpeg = frame.EncodeWithBoxes(_encoder, 85);
        return new HttpResponse(200, "image/jpeg", jpeg).With("X-Frame-Sequence", frame.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose() => _encoder.Dispose();
}
