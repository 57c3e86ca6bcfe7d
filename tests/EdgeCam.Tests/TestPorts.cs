using System.Net;
using System.Net.Sockets;

namespace EdgeCam.Tests;

public static class TestPorts
{
    /// <summary>A loopback TCP port free right now (the kernel picks it; a race with another process is possible but rare).</summary>
    public static int FreeLoopbackPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
