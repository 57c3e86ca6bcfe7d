using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using EdgeCam.Messaging.Mqtt;

namespace EdgeCam.Tests.Messaging;

/// <summary>Our MQTT client against Debian's mosquitto on 127.0.0.1, checked with mosquitto_sub and
/// the broker's own log.</summary>
public class MqttClientTests
{
    private static MqttClientOptions Options(Mosquitto broker, string clientId, Action<MqttClientOptionsBuilder>? more = null)
    {
        var b = new MqttClientOptionsBuilder { Host = "127.0.0.1", Port = broker.Port, ClientId = clientId };
        more?.Invoke(b);
        return b.Build();
    }

    [Fact]
    public async Task PublishesQos0AndQos1AndReceivesWhatItSubscribed()
    {
        using var broker = Mosquitto.Start();
        using var sub = new MosquittoSub(broker, "test/#");
        var received = new ConcurrentQueue<PublishPacket>();
        await using var client = new MqttClient(Options(broker, "edgecam-pubsub"));
        client.Subscribe("cmd/#", MqttQos.AtLeastOnce);
        client.MessageReceived = received.Enqueue;
        client.Start();
        Assert.True(client.Publish("test/qos0", "zero", MqttQos.AtMostOnce, retain: false));
        Assert.True(client.Publish("test/qos1", "one ü", MqttQos.AtLeastOnce, retain: false));
        Assert.True(await client.FlushAsync(TimeSpan.FromSeconds(10)));
        var got = sub.WaitFor(m => m.Count >= 2, TimeSpan.FromSeconds(10));
        Assert.Contains(("test/qos0", "zero"), got);
        Assert.Contains(("test/qos1", "one ü"), got);
        Assert.Equal(1, client.Acknowledged);

        await WaitUntil(() => broker.Log().Contains("edgecam-pubsub 1 cmd/#"), "the broker logs our subscription");
        Mosquitto.Run("mosquitto_pub", "-h", "127.0.0.1", "-p", broker.Port.ToString(), "-t", "cmd/light/set", "-m", "ON", "-q", "1");
        await WaitUntil(() => !received.IsEmpty, "the command arrives");
        var m = Assert.Single(received);
        Assert.Equal(("cmd/light/set", "ON", MqttQos.AtLeastOnce), (m.Topic, Encoding.UTF8.GetString(m.Payload.Span), m.Qos));
        await WaitUntil(() => broker.Log().Contains("Received PUBACK from edgecam-pubsub"), "we acknowledge the QoS 1 command");
    }

    [Fact]
    public async Task AFullOutboxRefusesAndCountsInsteadOfGrowing()
    {
        using var broker = Mosquitto.Start();
        using var sub = new MosquittoSub(broker, "full/#");
        var options = Options(broker, "edgecam-full");
        await using var client = new MqttClient(new MqttClientOptions
        {
            Host = options.Host, Port = options.Port, ClientId = options.ClientId, QueueCapacity = 3,
        });
        // Not started yet: like a broker that is away, nothing drains the queue.
        var accepted = Enumerable.Range(0, 5).Select(i => client.Publish($"full/{i}", $"{i}", MqttQos.AtLeastOnce, retain: false)).ToList();
        Assert.Equal([true, true, true, false, false], accepted);
        Assert.Equal((2, 3), (client.Dropped, client.Pending));
        client.Start();
        Assert.True(await client.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["0", "1", "2"], sub.WaitFor(m => m.Count >= 3, TimeSpan.FromSeconds(10)).Select(m => m.Payload));
    }

    [Fact]
    public async Task TheWillIsPublishedWhenTheClientVanishesButNotAfterDisconnect()
    {
        using var broker = Mosquitto.Start();
        using var sub = new MosquittoSub(broker, "cam/availability");
        var will = new WillMessage("cam/availability", "offline"u8.ToArray(), MqttQos.AtLeastOnce, Retain: true);

        var graceful = new MqttClient(Options(broker, "edgecam-graceful", o => o.Will = will));
        graceful.Start();
        await WaitUntil(() => graceful.IsConnected, "connected");
        Assert.True(await graceful.StopAsync(TimeSpan.FromSeconds(5)));
        await WaitUntil(() => broker.Log().Contains("Received DISCONNECT from edgecam-graceful"), "DISCONNECT sent");

        var client = new MqttClient(Options(broker, "edgecam-will", o => o.Will = will));
        client.Connected = _ => client.Publish("cam/availability", "online", MqttQos.AtLeastOnce, retain: true);
        client.Start();
        sub.WaitFor(m => m.Contains(("cam/availability", "online")), TimeSpan.FromSeconds(10));
        client.Abort(); // no DISCONNECT: what a crash or a pulled plug looks like to the broker
        var got = sub.WaitFor(m => m.Contains(("cam/availability", "offline")), TimeSpan.FromSeconds(10));
        Assert.Equal([("cam/availability", "online"), ("cam/availability", "offline")], got);

        // Retained: whoever subscribes later still learns the camera is offline.
        using var late = new MosquittoSub(broker, "cam/availability");
        Assert.Contains(("cam/availability", "offline"), late.WaitFor(m => m.Count > 0, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task KeepalivePingsAnIdleConnection()
    {
        using var broker = Mosquitto.Start();
        await using var client = new MqttClient(Options(broker, "edgecam-idle", o => o.KeepAliveSeconds = 1));
        client.Start();
        await WaitUntil(() => broker.Log().Contains("Received PINGREQ from edgecam-idle"), "PINGREQ after 1 s idle", 10);
        await WaitUntil(() => broker.Log().Split("Received PINGREQ from edgecam-idle").Length > 3, "pings keep coming", 10);
        Assert.True(client.IsConnected);
        Assert.Equal(1, client.Connections);
    }

    [Fact]
    public async Task ABrokerRestartInTheMiddleOfARunLosesNoQos1Message()
    {
        using var broker = Mosquitto.Start();
        using var sub = new MosquittoSub(broker, "cam/events", persistentId: "counter");
        await using var client = new MqttClient(Options(broker, "edgecam-restart", o =>
        {
            o.ReconnectMinDelay = TimeSpan.FromMilliseconds(100);
            o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(500);
        }));
        client.Start();
        await WaitUntil(() => client.IsConnected, "connected before the run starts"); // so the restart does cut a live connection
        const int total = 300;
        for (int i = 0; i < total; i++)
        {
            Assert.True(client.Publish("cam/events", $"{{\"seq\":{i}}}", MqttQos.AtLeastOnce, retain: false));
            if (i == total / 3) broker.Restart(TimeSpan.FromSeconds(1)); // events keep coming while the broker is away
            Thread.Sleep(5);
        }
        Assert.True(await client.FlushAsync(TimeSpan.FromSeconds(30)), $"{client.Pending} still unacknowledged");
        Assert.True(client.Connections >= 2, "the client reconnected");

        var got = sub.WaitFor(m => m.Select(x => x.Payload).Distinct().Count() >= total, TimeSpan.FromSeconds(30));
        var seen = got.Select(m => m.Payload).ToHashSet();
        var missing = Enumerable.Range(0, total).Where(i => !seen.Contains($"{{\"seq\":{i}}}")).ToList();
        Assert.True(missing.Count == 0, $"lost {missing.Count} of {total}: {string.Join(",", missing.Take(20))}");
        Assert.Equal(0, client.Dropped);
    }

    [Fact]
    public async Task UnacknowledgedMessagesAreResentWithDupAfterTheBrokerLostThem()
    {
        using var broker = Mosquitto.Start();
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = new MqttClient(Options(broker, "edgecam-dup", o =>
        {
            o.KeepAliveSeconds = 1;
            o.ReconnectMinDelay = TimeSpan.FromSeconds(5); // 2.5-5 s: time to bring the broker back before we retry
        }));
        client.ConnectionFailed = (e, _, _) => lost.TrySetResult(e.Message);
        client.Start();
        await WaitUntil(() => client.IsConnected, "connected");

        broker.Freeze(true); // a hung broker: our bytes sit in its socket, no PUBACK comes
        for (int i = 0; i < 20; i++) client.Publish("cam/events", $"e{i}", MqttQos.AtLeastOnce, retain: false);
        Assert.Equal("no PINGRESP within 1 s", await lost.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(20, client.Pending);
        broker.CrashAndStart(); // the 20 publishes die with it, unread
        using var sub = new MosquittoSub(broker, "cam/events");

        var got = sub.WaitFor(m => m.Count >= 20, TimeSpan.FromSeconds(15));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"e{i}"), got.Select(m => m.Payload));
        Assert.True(await client.FlushAsync(TimeSpan.FromSeconds(5)));
        // The broker saw them again as duplicates (DUP=1), with QoS 1.
        Assert.Equal(20, broker.Log().Split("Received PUBLISH from edgecam-dup (d1, q1").Length - 1);
    }

    [Fact]
    public async Task ABadPasswordIsAClearErrorRetriedWithBackoff()
    {
        using var broker = Mosquitto.Start(users: [("cam", "right")]);
        var failures = new ConcurrentQueue<(Exception Error, int Attempt, TimeSpan Delay, long AtMs)>();
        var min = TimeSpan.FromMilliseconds(200);
        await using (var client = new MqttClient(Options(broker, "edgecam-badpw", o =>
        {
            o.UserName = "cam";
            o.Password = "wrong";
            o.ReconnectMinDelay = min;
            o.ReconnectMaxDelay = TimeSpan.FromSeconds(5);
        })))
        {
            client.ConnectionFailed = (e, n, d) => failures.Enqueue((e, n, d, Environment.TickCount64));
            client.Start();
            await WaitUntil(() => failures.Count >= 4, "four refused attempts", 30);
            Assert.False(client.IsConnected);
        }
        var list = failures.ToArray();
        foreach (var f in list)
        {
            var refused = Assert.IsType<MqttConnectionRefusedException>(f.Error);
            // mosquitto answers a wrong password on MQTT 3.1.1 with code 5, "not authorized".
            Assert.Equal("broker refused the connection: not authorized (check the user name and password) (CONNACK return code 5)", refused.Message);
        }
        for (int i = 0; i < 4; i++)
        {
            double ceiling = min.TotalMilliseconds * Math.Pow(2, i);
            Assert.Equal(i + 1, list[i].Attempt);
            Assert.InRange(list[i].Delay.TotalMilliseconds, ceiling / 2, ceiling);
            if (i > 0) Assert.True(list[i].AtMs - list[i - 1].AtMs >= list[i - 1].Delay.TotalMilliseconds - 20, "waited before retrying");
        }
        // The broker saw each attempt and refused it.
        Assert.True(broker.Log().Split("Sending CONNACK to 127.0.0.1 (0, 5)").Length - 1 >= 4, broker.Log());

        await using var good = new MqttClient(Options(broker, "edgecam-goodpw", o => { o.UserName = "cam"; o.Password = "right"; }));
        good.Start();
        await WaitUntil(() => good.IsConnected, "the right password connects");
    }

    [Fact]
    public async Task TlsWithAPrivateCaConnectsAndAnUntrustedOrMisnamedCertificateIsRefused()
    {
        using var certs = TestCertificates.Create();
        using var broker = Mosquitto.Start(tls: (certs.ServerCert, certs.ServerKey));
        using var sub = new MosquittoSub(broker, "tls/#", extra: ["--cafile", certs.CaCert]);
        await using (var client = new MqttClient(Options(broker, "edgecam-tls", o => { o.UseTls = true; o.CaFile = certs.CaCert; })))
        {
            client.Start();
            client.Publish("tls/hello", "over TLS", MqttQos.AtLeastOnce, retain: false);
            Assert.True(await client.FlushAsync(TimeSpan.FromSeconds(10)));
            Assert.Contains(("tls/hello", "over TLS"), sub.WaitFor(m => m.Count > 0, TimeSpan.FromSeconds(10)));
        }

        Assert.Contains("not signed by the CA in " + certs.OtherCaCert,
            await FirstFailure(Options(broker, "edgecam-othertls", o => { o.UseTls = true; o.CaFile = certs.OtherCaCert; })));
        Assert.Contains("not issued for \"camera.example\"",
            await FirstFailure(Options(broker, "edgecam-misnamed", o => { o.UseTls = true; o.CaFile = certs.CaCert; o.TlsServerName = "camera.example"; })));
        Assert.Contains("not trusted by the system",
            await FirstFailure(Options(broker, "edgecam-systemtls", o => o.UseTls = true)));
    }

    private static async Task<string> FirstFailure(MqttClientOptions options)
    {
        var failed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = new MqttClient(options);
        client.ConnectionFailed = (e, _, _) => failed.TrySetResult(e.Message);
        client.Start();
        return await failed.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    internal static async Task WaitUntil(Func<bool> condition, string what, int seconds = 10)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed.TotalSeconds > seconds) Assert.Fail($"timed out after {seconds} s waiting for: {what}");
            await Task.Delay(20);
        }
    }
}

/// <summary>Mutable stand-in for the init-only options, so tests can tweak one field each.</summary>
public sealed class MqttClientOptionsBuilder
{
    public string Host = "127.0.0.1";
    public int Port;
    public string ClientId = "";
    public string? UserName, Password, CaFile, TlsServerName;
    public bool UseTls;
    public ushort KeepAliveSeconds = 30;
    public WillMessage? Will;
    public TimeSpan ReconnectMinDelay = TimeSpan.FromMilliseconds(100), ReconnectMaxDelay = TimeSpan.FromSeconds(5);

    public MqttClientOptions Build() => new()
    {
        Host = Host, Port = Port, ClientId = ClientId, UserName = UserName, Password = Password, UseTls = UseTls, CaFile = CaFile,
        TlsServerName = TlsServerName, KeepAliveSeconds = KeepAliveSeconds, Will = Will,
        ReconnectMinDelay = ReconnectMinDelay, ReconnectMaxDelay = ReconnectMaxDelay,
    };
}

/// <summary>A private CA and a broker certificate for 127.0.0.1 made by openssl, plus an unrelated CA.</summary>
public sealed class TestCertificates : IDisposable
{
    public required string Directory { get; init; }
    public string CaCert => Path.Combine(Directory, "ca.pem");
    public string OtherCaCert => Path.Combine(Directory, "other-ca.pem");
    public string ServerCert => Path.Combine(Directory, "server.pem");
    public string ServerKey => Path.Combine(Directory, "server.key");

    public static TestCertificates Create()
    {
        var c = new TestCertificates { Directory = System.IO.Directory.CreateTempSubdirectory("edgecam-tls-").FullName };
        string D(string f) => Path.Combine(c.Directory, f);
        string[] ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        Mosquitto.Run("openssl", ["req", "-x509", .. ec, "-keyout", D("ca.key"), "-out", c.CaCert, "-days", "2", "-subj", "/CN=EdgeCam test CA"]);
        Mosquitto.Run("openssl", ["req", "-x509", .. ec, "-keyout", D("other-ca.key"), "-out", c.OtherCaCert, "-days", "2", "-subj", "/CN=Someone else"]);
        Mosquitto.Run("openssl", ["req", .. ec, "-keyout", c.ServerKey, "-out", D("server.csr"), "-subj", "/CN=127.0.0.1"]);
        File.WriteAllText(D("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        Mosquitto.Run("openssl", ["x509", "-req", "-in", D("server.csr"), "-CA", c.CaCert, "-CAkey", D("ca.key"), "-CAcreateserial",
            "-out", c.ServerCert, "-days", "2", "-extfile", D("san.cnf")]);
        return c;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
