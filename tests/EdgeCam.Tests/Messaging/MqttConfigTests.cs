using EdgeCam.Cli;
using EdgeCam.Configuration;

namespace EdgeCam.Tests.Messaging;

public class MqttConfigTests
{
    private static string Config(string mqtt) => $$"""
    {
      "source": { "kind": "synthetic" },
      "model": { "path": "/models/x.onnx" },
      "mqtt": {{mqtt}}
    }
    """;

    private static string Error(string mqtt)
    {
        var e = Assert.Throws<UserFacingException>(() => ConfigLoader.Parse(Config(mqtt), "test.json", "/etc/edgecam"));
        Assert.Equal(ExitCodes.Config, e.ExitCode);
        Assert.DoesNotContain("\n", e.Message);
        return e.Message;
    }

    [Fact]
    public void AValidSectionLoadsWithPathsExpanded()
    {
        string dir = TestAssets.TempDir("mqtt-config");
        File.WriteAllText(Path.Combine(dir, "secret"), "pw\n");
        File.WriteAllText(Path.Combine(dir, "ca.pem"), "");
        var c = ConfigLoader.Parse(Config("""
            { "broker": "mqtts://broker.lan", "username": "cam", "passwordFile": "secret", "tls": { "caFile": "ca.pem" }, "topicPrefix": "home/door" }
            """), "test.json", dir);
        Assert.Equal(Path.Combine(dir, "secret"), c.Mqtt!.PasswordFile);
        Assert.Equal(Path.Combine(dir, "ca.pem"), c.Mqtt.Tls!.CaFile);
        Assert.Null(BrokerAddress.TryParse(c.Mqtt.Broker, out var broker));
        Assert.Equal(new BrokerAddress("broker.lan", 8883, true), broker);
        Assert.Null(BrokerAddress.TryParse("mqtt://10.0.0.2:1884", out broker));
        Assert.Equal(new BrokerAddress("10.0.0.2", 1884, false), broker);
        Assert.Null(ConfigLoader.Parse(Config("{}").Replace("\"mqtt\": {}", "\"run\": {}"), "test.json", dir).Mqtt);
    }

    [Theory]
    [InlineData("""{ "broker": "tcp://host" }""", "mqtt.broker: \"tcp://host\" is not allowed, expected \"mqtt://HOST[:PORT]\" or \"mqtts://HOST[:PORT]\"")]
    [InlineData("""{ "broker": "mqtt://u:p@host" }""", "credentials go in mqtt.username")]
    [InlineData("""{ "broker": "mqtt://host/x" }""", "without a path")]
    [InlineData("""{ "password": "x" }""", "mqtt.username: missing")]
    [InlineData("""{ "username": "a", "password": "x", "passwordFile": "/nonexistent" }""", "mqtt.passwordFile: not allowed together with mqtt.password")]
    [InlineData("""{ "username": "a", "passwordFile": "/nonexistent/pw" }""", "mqtt.passwordFile: \"/nonexistent/pw\" does not exist")]
    [InlineData("""{ "tls": { "caFile": "/nonexistent/ca.pem" } }""", "mqtt.tls.caFile: \"/nonexistent/ca.pem\" does not exist")]
    [InlineData("""{ "topicPrefix": "cams/#" }""", "mqtt.topicPrefix: \"cams/#\" is not allowed")]
    [InlineData("""{ "clientId": "a/b" }""", "mqtt.clientId: \"a/b\" is not allowed")]
    [InlineData("""{ "keepAliveSeconds": 70000 }""", "mqtt.keepAliveSeconds: 70000 is not allowed, expected an integer from 0 to 65535")]
    [InlineData("""{ "reconnectMinMs": 5000, "reconnectMaxMs": 1000 }""", "mqtt.reconnectMaxMs: 1000 is not allowed, expected an integer from 5000")]
    [InlineData("""{ "queueCapacity": 0 }""", "mqtt.queueCapacity: 0 is not allowed")]
    [InlineData("""{ "brokr": "mqtt://x" }""", "brokr")]
    public void MistakesNameTheirPath(string mqtt, string expected) => Assert.Contains(expected, Error(mqtt));
}
