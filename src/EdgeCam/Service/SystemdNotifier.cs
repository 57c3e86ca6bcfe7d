using System.Net.Sockets;
using System.Text;

namespace EdgeCam.Service;

/// <summary>
/// The systemd notify protocol, spoken directly (no libsystemd): one datagram of "KEY=VALUE" lines
/// to the AF_UNIX socket named by $NOTIFY_SOCKET. A leading '@' names an abstract socket (the
/// name then starts with a NUL byte). Outside systemd there is no socket and nothing is sent.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private static readonly byte[] WatchdogPing = "WATCHDOG=1"u8.ToArray();
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endpoint;

    public string SocketName { get; }

    public SystemdNotifier(string notifySocket)
    {
        if (string.IsNullOrEmpty(notifySocket) || (notifySocket[0] != '/' && notifySocket[0] != '@'))
            throw new ArgumentException($"NOTIFY_SOCKET \"{notifySocket}\": expected an absolute path or an @abstract name");
        SocketName = notifySocket;
        string address = notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket;
        _endpoint = new UnixDomainSocketEndPoint(address);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>The notifier systemd asked for, or null when not started by systemd with Type=notify.</summary>
    public static SystemdNotifier? FromEnvironment() =>
        Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 0 } s ? new SystemdNotifier(s) : null;

    /// <summary>How often systemd expects WATCHDOG=1 (WATCHDOG_USEC, for this process per WATCHDOG_PID), or null.</summary>
    public static TimeSpan? WatchdogInterval(string? usec = null, string? pid = null)
    {
        usec ??= Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        pid ??= Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!long.TryParse(usec, out long us) || us <= 0) return null;
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)) return null;
        return TimeSpan.FromMicroseconds(us);
    }

    /// <summary>Sends state lines such as "READY=1\nSTATUS=...". Returns false when the socket is gone
    /// (systemd restarted): notification is best effort and never stops the pipeline.</summary>
    public bool Send(string state) => Send(Encoding.UTF8.GetBytes(state));

    /// <summary>WATCHDOG=1 from a preallocated buffer: cheap enough for the frame loop.</summary>
    public bool Ping() => Send(WatchdogPing);

    private bool Send(byte[] datagram)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, _endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}
