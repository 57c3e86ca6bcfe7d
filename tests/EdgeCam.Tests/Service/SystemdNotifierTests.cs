using System.Net.Sockets;
using System.Text;
using EdgeCam.Service;

namespace EdgeCam.Tests.Service;

/// <summary>The notify protocol against real AF_UNIX datagram sockets, as systemd listens on them.</summary>
public class SystemdNotifierTests
{
    private static (Socket Listener, string Name) Listen(bool abstractName)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        string name = abstractName
            ? "@edgecam-test-" + Guid.NewGuid().ToString("N")
            : Path.Combine(TestAssets.TempDir("notify"), "notify.sock");
        socket.Bind(new UnixDomainSocketEndPoint(abstractName ? "\0" + name[1..] : name));
        socket.ReceiveTimeout = 2000;
        return (socket, name);
    }

    private static string Receive(Socket listener)
    {
        var buffer = new byte[4096];
        int n = listener.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SendsStateDatagramsToPathAndAbstractSockets(bool abstractName)
    {
        var (listener, name) = Listen(abstractName);
        using (listener)
        using (var notifier = new SystemdNotifier(name))
        {
            Assert.True(notifier.Send("READY=1\nSTATUS=10.0 fps"));
            Assert.Equal("READY=1\nSTATUS=10.0 fps", Receive(listener));
            Assert.True(notifier.Ping());
            Assert.Equal("WATCHDOG=1", Receive(listener));
        }
    }

    [Fact]
    public void AMissingSocketIsNotAnError()
    {
        using var notifier = new SystemdNotifier(Path.Combine(TestAssets.TempDir("notify"), "gone.sock"));
        Assert.False(notifier.Send("STOPPING=1"));
    }

    [Fact]
    public void RejectsARelativeSocketName()
    {
        Assert.Throws<ArgumentException>(() => new SystemdNotifier("notify.sock"));
    }

    [Fact]
    public void ReadsTheWatchdogIntervalForThisProcessOnly()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), SystemdNotifier.WatchdogInterval("10000000", Environment.ProcessId.ToString()));
        Assert.Equal(TimeSpan.FromSeconds(10), SystemdNotifier.WatchdogInterval("10000000", ""));
        Assert.Null(SystemdNotifier.WatchdogInterval("10000000", "1"));
        Assert.Null(SystemdNotifier.WatchdogInterval("0", ""));
        Assert.Null(SystemdNotifier.WatchdogInterval("soon", ""));
    }
}
