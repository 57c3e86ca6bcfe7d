using System.Diagnostics;
using System.Text.Json;
using EdgeCam.Cli;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCam.Tests.Messaging;

/// <summary>`edgecam run` with an "mqtt" section, against mosquitto: the real model on the demo
/// photos publishes events, retained state and Home Assistant discovery.</summary>
public class MqttRunTests
{
    private static string WriteConfig(string dir, string source, string mqtt, string outputs = """[ { "name": "door_light", "line": 17 } ]""")
    {
        string path = Path.Combine(dir, "edgecam.json");
        File.WriteAllText(path, $$"""
        {
          "source": {{source}},
          "model": { "path": "{{TestAssets.BlazeFaceFront}}", "runtime": "{{TestAssets.OrtLibrary}}", "threads": 1 },
          "gpio": { "chip": "simulated", "outputs": {{outputs}} },
          "rules": [ { "name": "face seen", "when": { "label": "face", "minScore": 0.6 }, "debounce": { "hits": 2, "of": 3 },
                       "holdMs": 1000, "actions": [ { "output": "door_light" } ] } ],
          "run": { "warmupFrames": 1 },
          "mqtt": {{mqtt}}
        }
        """);
        return path;
    }

    private const string Demo = """{ "kind": "directory", "path": "${EDGECAM_CACHE}/data/demo", "fps": 10, "framesPerImage": 5 }""";

    [Fact]
    public void TheDemoPublishesEventsRetainedStateAndDiscovery()
    {
        using var broker = Mosquitto.Start();
        using var live = new MosquittoSub(broker, "edgecam/test/#");
        string dir = TestAssets.TempDir("mqtt-run");
        string config = WriteConfig(dir, Demo, $$"""{ "broker": "mqtt://127.0.0.1:{{broker.Port}}", "clientId": "edgecam-test", "topicPrefix": "edgecam/test" }""");

        Assert.Equal(ExitCodes.Ok, RunCommand.Execute(config, loop: false, maxFrames: null, NullLoggerFactory.Instance));

        var got = live.WaitFor(m => m.Contains(("edgecam/test/availability", "offline")), TimeSpan.FromSeconds(10));
        var availability = got.Where(m => m.Topic == "edgecam/test/availability").Select(m => m.Payload).ToList();
        Assert.Equal("online", availability[0]);
        Assert.Equal("offline", availability[^1]);

        var events = got.Where(m => m.Topic == "edgecam/test/events").Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        var rules = events.Where(e => e.GetProperty("event").GetString() == "rule").ToList();
        Assert.Contains(rules, e => e.GetProperty("rule").GetString() == "face seen" && e.GetProperty("state").GetString() == "on"
            && e.GetProperty("score").GetDouble() > 0.6 && e.GetProperty("frame").GetInt64() > 0);
        Assert.Contains(rules, e => e.GetProperty("state").GetString() == "off");
        var outputs = events.Where(e => e.GetProperty("event").GetString() == "output").ToList();
        Assert.Contains(outputs, e => e.GetProperty("output").GetString() == "door_light" && e.GetProperty("value").GetBoolean()
            && e.GetProperty("source").GetString() == "rule");
        Assert.Equal(rules.Count(e => e.GetProperty("state").GetString() == "on"), got.Count(m => m.Topic == "edgecam/test/rules/face_seen/state" && m.Payload == "ON"));

        // Retained: a subscriber arriving after the run still finds state and measured values...
        using var state = new MosquittoSub(broker, "edgecam/test/+/+/state");
        var retained = state.WaitFor(m => m.Count >= 5, TimeSpan.FromSeconds(10));
        Assert.True(retained.Count >= 5, string.Join(" | ", retained));
        Assert.True(retained.Contains(("edgecam/test/rules/face_seen/state", "OFF")), string.Join(" | ", retained));
        Assert.Contains(("edgecam/test/outputs/door_light/state", "OFF"), retained);
        Assert.True(double.Parse(retained.Single(m => m.Topic == "edgecam/test/sensors/fps/state").Payload) > 0);
        Assert.Contains(retained, m => m.Topic == "edgecam/test/sensors/inference_ms/state");

        // ...and Home Assistant finds the camera's entities.
        using var ha = new MosquittoSub(broker, "homeassistant/#");
        var docs = ha.WaitFor(m => m.Count >= 5, TimeSpan.FromSeconds(10)).ToDictionary(m => m.Topic, m => JsonDocument.Parse(m.Payload).RootElement);
        var rule = docs["homeassistant/binary_sensor/edgecam-test/rule_face_seen/config"];
        Assert.Equal("face seen", rule.GetProperty("name").GetString());
        Assert.Equal("edgecam/test/rules/face_seen/state", rule.GetProperty("state_topic").GetString());
        Assert.Equal("edgecam/test/availability", rule.GetProperty("availability_topic").GetString());
        Assert.Equal("edgecam-test_rule_face_seen", rule.GetProperty("unique_id").GetString());
        Assert.Equal("edgecam-test", rule.GetProperty("device").GetProperty("identifiers")[0].GetString());
        Assert.Equal("ms", docs["homeassistant/sensor/edgecam-test/sensor_inference_ms/config"].GetProperty("unit_of_measurement").GetString());
        Assert.Equal("edgecam/test/sensors/fps/state", docs["homeassistant/sensor/edgecam-test/sensor_fps/config"].GetProperty("state_topic").GetString());
        Assert.True(docs.ContainsKey("homeassistant/sensor/edgecam-test/sensor_frames_dropped/config"));
        // Commands are off by default: the output is shown read-only, with no command topic.
        var output = docs["homeassistant/binary_sensor/edgecam-test/output_door_light/config"];
        Assert.False(output.TryGetProperty("command_topic", out _));
    }

    [Fact]
    public async Task WithCommandsOnAnOutputIsASwitchThatMqttDrives()
    {
        using var broker = Mosquitto.Start();
        using var live = new MosquittoSub(broker, "edgecam/cmd/#");
        string dir = TestAssets.TempDir("mqtt-cmd");
        string config = WriteConfig(dir,
            """{ "kind": "synthetic", "width": 320, "height": 240, "format": "yuyv", "fps": 10, "frames": 100 }""",
            $$"""{ "broker": "mqtt://127.0.0.1:{{broker.Port}}", "clientId": "edgecam-cmd", "topicPrefix": "edgecam/cmd", "commands": true }""",
            """[ { "name": "door_light", "line": 17 }, { "name": "siren", "line": 18, "safeState": false } ]""");
        var run = Task.Run(() => RunCommand.Execute(config, loop: false, maxFrames: null, NullLoggerFactory.Instance));

        using (var ha = new MosquittoSub(broker, "homeassistant/switch/edgecam-cmd/output_siren/config"))
        {
            var doc = JsonDocument.Parse(ha.WaitFor(m => m.Count > 0, TimeSpan.FromSeconds(20)).Single().Payload).RootElement;
            Assert.Equal("edgecam/cmd/outputs/siren/set", doc.GetProperty("command_topic").GetString());
        }
        await MqttClientTests.WaitUntil(() => broker.Log().Contains("edgecam-cmd 0 edgecam/cmd/outputs/+/set"), "subscribed to commands", 20);
        Mosquitto.Run("mosquitto_pub", "-h", "127.0.0.1", "-p", broker.Port.ToString(), "-t", "edgecam/cmd/outputs/siren/set", "-m", "ON");
        var got = live.WaitFor(m => m.Contains(("edgecam/cmd/outputs/siren/state", "ON")), TimeSpan.FromSeconds(10));
        Assert.Contains(("edgecam/cmd/outputs/siren/state", "ON"), got);
        Assert.Contains(got, m => m.Topic == "edgecam/cmd/events" && m.Payload.Contains("\"output\":\"siren\"") && m.Payload.Contains("\"source\":\"mqtt\""));
        Mosquitto.Run("mosquitto_pub", "-h", "127.0.0.1", "-p", broker.Port.ToString(), "-t", "edgecam/cmd/outputs/siren/set", "-m", "maybe");

        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        // The run ended: outputs back in their safe state, and the broker says so.
        got = live.WaitFor(m => m.Contains(("edgecam/cmd/availability", "offline")), TimeSpan.FromSeconds(10));
        Assert.Equal("OFF", got.Last(m => m.Topic == "edgecam/cmd/outputs/siren/state").Payload);
        Assert.Single(got, m => m.Topic == "edgecam/cmd/outputs/siren/state" && m.Payload == "ON"); // "maybe" changed nothing
    }

    [Fact]
    public void ABadPasswordIsLoggedInWordsAndRetriedWhileTheRunGoesOn()
    {
        using var broker = Mosquitto.Start(users: [("cam", "right")]);
        string dir = TestAssets.TempDir("mqtt-badpw");
        File.WriteAllText(Path.Combine(dir, "mqtt.pw"), "wrong\n");
        string config = WriteConfig(dir, Demo, $$"""
            { "broker": "mqtt://127.0.0.1:{{broker.Port}}", "username": "cam", "passwordFile": "mqtt.pw", "reconnectMinMs": 200, "reconnectMaxMs": 1000 }
            """);
        var logs = new CapturingLogs();
        Assert.Equal(ExitCodes.Ok, RunCommand.Execute(config, loop: false, maxFrames: null, logs));
        var refused = logs.Lines.Where(l => l.Contains("cannot connect")).ToList();
        Assert.True(refused.Count >= 3, string.Join("\n", logs.Lines));
        Assert.StartsWith($"Warning EdgeCam.Mqtt: mqtt://127.0.0.1:{broker.Port}: cannot connect: broker refused the connection: " +
            "not authorized (check the user name and password) (CONNACK return code 5); attempt 1 failed, next in ", refused[0]);
        Assert.Contains("attempt 3 failed", refused[2]);
        Assert.Contains(logs.Lines, l => l.Contains("messages still undelivered after 5.0 s"));
    }

    [Fact]
    public void AnAbsentBrokerDoesNotHoldUpTheRun()
    {
        using var nobody = Mosquitto.Start();
        int port = nobody.Port;
        nobody.Stop(); // a port where nothing listens
        string dir = TestAssets.TempDir("mqtt-absent");
        string config = WriteConfig(dir, Demo, $$"""{ "broker": "mqtt://127.0.0.1:{{port}}", "reconnectMinMs": 50, "reconnectMaxMs": 200 }""");
        var sw = Stopwatch.StartNew();
        Assert.Equal(ExitCodes.Ok, RunCommand.Execute(config, loop: false, maxFrames: null, NullLoggerFactory.Instance));
        // 40 frames at 10 fps, plus at most the 5 s the uplink waits for a broker at exit.
        Assert.InRange(sw.Elapsed.TotalSeconds, 3.5, 4 + 5 + 6);
    }
}
