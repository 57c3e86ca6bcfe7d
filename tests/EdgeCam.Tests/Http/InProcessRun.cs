using System.Net;
using System.Net.Sockets;
using EdgeCam.Cli;
using EdgeCam.Logging;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Tests.Http;

/// <summary>
/// `edgecam run` in this process on a real config file (real model, real photos, simulated GPIO),
/// with its HTTP API on a free loopback port; disposed like SIGTERM.
/// </summary>
public sealed class InProcessRun : IDisposable
{
    public const string Token = "test-token-0123456789";
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private int _exitCode = -1;

    public InProcessRun(string name, string sourceJson, string extraJson = "")
    {
        Directory = TestAssets.TempDir(name);
        Port = TestPorts.FreeLoopbackPort();
        ConfigPath = Path.Combine(Directory, "config.json");
        File.WriteAllText(ConfigPath, $$"""
        {
          "source": {{sourceJson}},
          "model": { "path": "{{TestAssets.BlazeFaceFront}}", "threads": 1 },
          "gpio": { "chip": "simulated", "outputs": [ { "name": "door_light", "line": 17 }, { "name": "buzzer", "line": 18 } ] },
          "rules": [ { "name": "face_seen", "when": { "label": "face", "minScore": 0.6 }, "actions": [ { "output": "door_light" } ] } ],
          "http": { "listen": "127.0.0.1:{{Port}}", "token": "{{Token}}" }{{extraJson}}
        }
        """);
        var logs = new JournalLoggerFactory(new JournalLoggerProvider(Environment.GetEnvironmentVariable("EDGECAM_TEST_LOG") == "1" ? LogLevel.Debug : LogLevel.Warning));
        _thread = new Thread(() =>
        {
            try { _exitCode = RunCommand.Execute(ConfigPath, loop: false, maxFrames: null, logs, _stop.Token); }
            catch (Exception e) { Failure = e; }
        }) { IsBackground = true, Name = name };
        _thread.Start();
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    public string Directory { get; }
    public string ConfigPath { get; }
    public int Port { get; }
    public HttpClient Client { get; }
    public Exception? Failure { get; private set; }

    /// <summary>Waits until /readyz answers 200 (model loaded, first frame processed).</summary>
    public async Task WaitReady()
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            if (Failure is not null) throw new InvalidOperationException("the run failed", Failure);
            try
            {
                using var r = await Client.GetAsync("/readyz");
                if (r.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { } // not listening yet
            await Task.Delay(50);
        }
        throw new TimeoutException("edgecam did not become ready within 30 s");
    }


    /// <summary>Stops the run (like SIGTERM) and returns its exit code.</summary>
    public int Stop()
    {
        _stop.Cancel();
        Assert.True(_thread.Join(TimeSpan.FromSeconds(20)), "the run did not stop within 20 s");
        if (Failure is not null) throw new InvalidOperationException("the run failed", Failure);
        return _exitCode;
    }

    public void Dispose()
    {
        if (_thread.IsAlive) Stop();
        Client.Dispose();
    }
}
