using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeCam.Tests.Messaging;

/// <summary>
/// Debian's real mosquitto broker, started by the test on 127.0.0.1 with a generated config in a
/// temporary directory (never the system service): persistence on, so a restart keeps queued
/// messages for persistent sessions as a real broker would; optionally a password file and TLS.
/// scripts/test.sh installs the mosquitto and mosquitto-clients packages.
/// </summary>
public sealed class Mosquitto : IDisposable
{
    public const string Binary = "/usr/sbin/mosquitto";
    private Process? _process;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("edgecam-mosquitto-").FullName;
    public int Port { get; } = TestPorts.FreeLoopbackPort();
    public string LogFile => Path.Combine(Directory, "mosquitto.log");

    private Mosquitto() { }

    /// <param name="users">user -> password; when given, anonymous clients are refused.</param>
    /// <param name="tls">(certificate, key) PEM files: the listener speaks TLS only.</param>
    public static Mosquitto Start((string User, string Password)[]? users = null, (string Cert, string Key)? tls = null)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: install Debian's mosquitto and mosquitto-clients (scripts/test.sh does)");
        var m = new Mosquitto();
        var conf = new List<string>
        {
            $"listener {m.Port} 127.0.0.1",
            "persistence true",
            $"persistence_location {m.Directory}/",
            $"log_dest file {m.LogFile}",
            "log_type all",
            "user root", // stay the user who started us: the directory is ours
        };
        if (users is { Length: > 0 })
        {
            string passwd = Path.Combine(m.Directory, "passwd");
            for (int i = 0; i < users.Length; i++)
                Run("mosquitto_passwd", i == 0 ? ["-c", "-b", passwd, users[i].User, users[i].Password] : ["-b", passwd, users[i].User, users[i].Password]);
            conf.Add("allow_anonymous false");
            conf.Add($"password_file {passwd}");
        }
        else conf.Add("allow_anonymous true");
        if (tls is { } t)
        {
            conf.Add($"certfile {t.Cert}");
            conf.Add($"keyfile {t.Key}");
        }
        File.WriteAllLines(Path.Combine(m.Directory, "mosquitto.conf"), conf);
        try
        {
            m.Launch();
        }
        catch
        {
            m.Dispose(); // a broker that never became ready must not outlive the test
            throw;
        }
        return m;
    }

    /// <summary>Stops the broker the way systemd would (SIGTERM, which also saves its state) and starts it again on the same port.</summary>
    public void Restart(TimeSpan downFor)
    {
        Stop();
        Thread.Sleep(downFor);
        Launch();
    }

    /// <summary>SIGSTOP/SIGCONT: the broker hangs (its sockets still accept bytes) or resumes.</summary>
    public void Freeze(bool frozen) => Process.Start("kill", [frozen ? "-STOP" : "-CONT", _process!.Id.ToString()])!.WaitForExit();

    /// <summary>SIGKILL, as a power cut would: whatever the broker had not yet read or saved is gone. Then start again.</summary>
    public void CrashAndStart()
    {
        _process!.Kill();
        _process.WaitForExit();
        _process.Dispose();
        Launch();
    }

    public void Stop()
    {
        if (_process is null) return;
        if (_process.HasExited)
        {
            _process.Dispose();
            _process = null;
            return;
        }
        Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        if (!_process.WaitForExit(10_000)) _process.Kill();
        _process.Dispose();
        _process = null;
    }

    public string Log() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    public void Dispose()
    {
        Stop();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Launch()
    {
        // Ready when this process logs "running" (it has bound the port), not merely when the port
        // answers: a free port found earlier could meanwhile be another test's broker.
        int runningBefore = RunningLines();
        _process = Process.Start(new ProcessStartInfo(Binary, ["-c", Path.Combine(Directory, "mosquitto.conf")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}: {Log()}");
            if (RunningLines() > runningBefore) return;
            Thread.Sleep(20);
        }
        throw new TimeoutException($"mosquitto did not listen on {Port}: {Log()}");
    }

    private int RunningLines() => Log().Split('\n').Count(l => l.Contains("mosquitto version") && l.EndsWith(" running", StringComparison.Ordinal));


    public static string Run(string file, params string[] args)
    {
        var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {p.ExitCode}: {output}");
        return output;
    }
}

/// <summary>mosquitto_sub (Debian's own client) as an independent subscriber: every message it
/// prints ("topic payload", -v) is collected. Waits for its SUBACK before returning.</summary>
public sealed class MosquittoSub : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<(string Topic, string Payload)> _messages = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="persistentId">a client id with clean session off (-c): the broker keeps QoS 1 messages for it while it is away.</param>
    public MosquittoSub(Mosquitto broker, string filter, string? persistentId = null, string[]? extra = null)
    {
        // stdbuf: mosquitto_sub's stdout is a pipe here, which stdio would buffer in blocks.
        var args = new List<string> { "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", broker.Port.ToString(), "-t", filter, "-q", "1", "-v", "-d" };
        if (persistentId is not null) args.AddRange(["-c", "-i", persistentId]);
        if (extra is not null) args.AddRange(extra);
        _process = Process.Start(new ProcessStartInfo("stdbuf", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            if (line.StartsWith("Client ", StringComparison.Ordinal))
            {
                if (line.Contains("received SUBACK")) _subscribed.TrySetResult();
                return;
            }
            if (line.StartsWith("Subscribed (", StringComparison.Ordinal)) return;
            int space = line.IndexOf(' ');
            _messages.Enqueue(space < 0 ? (line, "") : (line[..space], line[(space + 1)..]));
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!_subscribed.Task.Wait(TimeSpan.FromSeconds(10)))
        {
            Dispose(); // no one else will: the constructor did not finish
            throw new TimeoutException("mosquitto_sub did not subscribe within 10 s");
        }
    }

    public IReadOnlyList<(string Topic, string Payload)> Messages => [.. _messages];

    /// <summary>Waits until <paramref name="done"/> holds for the messages so far, or the timeout.</summary>
    public IReadOnlyList<(string Topic, string Payload)> WaitFor(Func<IReadOnlyList<(string Topic, string Payload)>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var m = Messages;
            if (done(m) || DateTime.UtcNow > deadline) return m;
            Thread.Sleep(20);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
