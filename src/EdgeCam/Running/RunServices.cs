using System.Net;
using System.Net.Sockets;
using EdgeCam.Adapting;
using EdgeCam.Cli;
using EdgeCam.Configuration;
using EdgeCam.Http;
using EdgeCam.Metrics;
using EdgeCam.Snapshots;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Running;

/// <summary>The optional parts of a run that its config sections switch on: the event snapshot store,
/// the thermal zone and the local HTTP API. Each turns a setup failure into a config error naming the section.</summary>
public static class RunServices
{
    public static SnapshotStore? OpenSnapshots(SnapshotConfig? c, ILoggerFactory logs)
    {
        if (c is null) return null;
        var log = logs.CreateLogger("EdgeCam.Snapshots");
        try
        {
            var store = new SnapshotStore(c.Directory!, (long)c.MaxMegabytes << 20, c.Quality, log);
            log.LogInformation("event snapshots into {Directory} (quota {Quota} MB)", store.Location, c.MaxMegabytes);
            return store;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException(ExitCodes.Config, $"snapshots.directory {c.Directory}: cannot be used: {e.Message}");
        }
    }

    public static ThermalThrottle? OpenThermal(ThermalConfig? t, ILoggerFactory logs)
    {
        if (t is null) return null;
        try
        {
            return new ThermalThrottle(t.Zone, t.ThrottleAboveC, t.RestoreBelowC, t.ThrottledFps, TimeSpan.FromSeconds(t.CheckEverySeconds),
                logs.CreateLogger("EdgeCam.Thermal"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException(ExitCodes.Config, $"adapt.thermal.zone {t.Zone}: cannot read its temp file: {e.Message}");
        }
    }

    /// <summary>The local HTTP API, or null when the config has no http section.</summary>
    public static ApiHost? StartApi(HttpConfig? c, RunStatus status, FrameCapture capture, MetricsRegistry metrics, ILoggerFactory logs)
    {
        if (c is null) return null;
        var log = logs.CreateLogger("EdgeCam.Http");
        HttpServer.TryParseListen(c.Listen, out var endpoint); // validated with the config
        var api = new LocalApi(status, metrics, capture, new BearerToken(c.Token));
        HttpServer server;
        try
        {
            server = new HttpServer(endpoint, api.Handle, log, new HttpServerLimits { MaxConnections = c.MaxConnections });
        }
        catch (SocketException e)
        {
            api.Dispose();
            throw new UserFacingException(ExitCodes.Config, $"http.listen {c.Listen}: cannot listen: {e.Message}");
        }
        server.Start();
        log.LogInformation("API on http://{Endpoint} ({Auth})", server.LocalEndPoint,
            c.Token is null ? "POST endpoints disabled: no http.token" : "POST endpoints need the bearer token");
        if (!endpoint.Address.Equals(IPAddress.Loopback) && !endpoint.Address.Equals(IPAddress.IPv6Loopback))
            log.LogWarning("the API listens on {Address}, not only on loopback: anyone on that network can read /status and /snapshot.jpg", endpoint.Address);
        return new ApiHost(server, api);
    }

    public sealed class ApiHost(HttpServer server, LocalApi api) : IDisposable
    {
        public void Dispose()
        {
            server.Dispose();
            api.Dispose();
        }
    }
}
