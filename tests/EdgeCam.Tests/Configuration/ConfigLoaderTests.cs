using EdgeCam.Cli;
using EdgeCam.Configuration;

namespace EdgeCam.Tests.Configuration;

public class ConfigLoaderTests
{
    private const string Valid = """
    {
      "source": { "kind": "directory", "path": "photos", "fps": 5 },
      "model": { "path": "${EDGECAM_CACHE}/models/x.onnx" },
      "gpio": { "outputs": [ { "name": "light", "line": 3 } ] },
      "rules": [ { "name": "a", "when": { "label": "face" }, "actions": [ { "output": "light" } ] } ]
    }
    """;

    private static string Error(string json)
    {
        var e = Assert.Throws<UserFacingException>(() => ConfigLoader.Parse(json, "test.json", "/etc/edgecam"));
        Assert.Equal(ExitCodes.Config, e.ExitCode);
        Assert.DoesNotContain("\n", e.Message);
        return e.Message;
    }

    [Fact]
    public void AValidConfigLoadsWithPathsExpanded()
    {
        var c = ConfigLoader.Parse(Valid, "test.json", "/etc/edgecam");
        Assert.Equal("/etc/edgecam/photos", c.Source.Path);
        Assert.Equal(Path.Combine(TestAssets.Cache, "models", "x.onnx"), c.Model.Path);
        Assert.Equal("light", c.Rules[0].Actions[0].Output);
    }

    [Fact]
    public void TheBuiltInDemoIsValid()
    {
        var c = ConfigLoader.LoadBuiltIn();
        Assert.Equal("door_light", Assert.Single(c.Gpio.Outputs).Name);
        Assert.Equal("face", c.Rules[0].When.Label);
    }

    [Fact]
    public void ExampleConfigsInTheRepositoryAreValid()
    {
        string dir = Path.Combine(EdgeCam.Tests.EndToEnd.InferConformanceTests.RepoRoot, "src", "EdgeCam", "Defaults", "configs");
        var files = Directory.GetFiles(dir, "*.json");
        Assert.NotEmpty(files);
        foreach (string f in files) ConfigLoader.Load(f);
    }

    [Fact]
    public void ARuleValueOutOfRangeNamesItsPath()
    {
        string json = Valid.Replace("\"actions\": [ { \"output\": \"light\" } ] }", "\"actions\": [ { \"output\": \"light\" } ] }, { \"name\": \"b\", \"debounce\": { \"hits\": 1, \"of\": 0 }, \"actions\": [ { \"output\": \"light\" } ] }");
        Assert.Equal("config test.json: rules[1].debounce.of: 0 is not allowed, expected an integer >= 1", Error(json));
    }

    [Fact]
    public void PreprocessThreadsIsAutoOneOrTwo()
    {
        Assert.Equal(0, ConfigLoader.Parse(Valid, "test.json", "/tmp").Model.PreprocessThreads);
        string json = Valid.Replace("\"path\": \"${EDGECAM_CACHE}/models/x.onnx\"", "\"path\": \"${EDGECAM_CACHE}/models/x.onnx\", \"preprocessThreads\": 3");
        Assert.Equal("config test.json: model.preprocessThreads: 3 is not allowed, expected an integer from 0 to 2", Error(json));
    }

    [Fact]
    public void AnUnknownKeyIsAnError()
    {
        Assert.Equal("config test.json: source.colour: unknown key (line 2)",
            Error("{\n \"source\": { \"kind\": \"image\", \"colour\": 1 } }"));
    }

    [Fact]
    public void AWrongTypeSaysWhatWasExpected()
    {
        Assert.Equal("config test.json: source.fps: wrong type, expected a number (line 1)",
            Error("{ \"source\": { \"fps\": \"fast\" } }"));
        Assert.Equal("config test.json: gpio.outputs[0].line: wrong type, expected an integer (line 1)",
            Error("{ \"gpio\": { \"outputs\": [ { \"name\": \"x\", \"line\": \"GPIO17\" } ] } }"));
    }

    [Fact]
    public void BrokenJsonIsAnErrorWithItsLine()
    {
        Assert.StartsWith("config test.json: ", Error("{ \"source\": { \"kind\": } }"));
    }

    [Fact]
    public void ReferencesBetweenSectionsAreChecked()
    {
        string json = Valid.Replace("{ \"output\": \"light\" }", "{ \"output\": \"lamp\" }");
        Assert.Contains("rules[0].actions[0].output: \"lamp\" is not allowed, expected the name of a gpio output (\"light\")", Error(json));
    }

    [Fact]
    public void SeveralErrorsAreCountedInOneLine()
    {
        string msg = Error("{ \"source\": { \"kind\": \"webcam\", \"fps\": -1 }, \"model\": { \"threads\": 999 } }");
        Assert.StartsWith("config test.json: source.kind: \"webcam\" is not allowed, expected one of \"image\", \"directory\", \"synthetic\", \"camera\" (and 3 more: ", msg);
    }

    [Fact]
    public void ACameraSourceNeedsADeviceAndAFormatEdgeCamReads()
    {
        string Camera(string fields) => Valid.Replace("\"kind\": \"directory\", \"path\": \"photos\", \"fps\": 5", $"\"kind\": \"camera\"{fields}");
        Assert.Contains("source.device: missing", Error(Camera("")));
        Assert.Contains("source.format: \"h264\" is not allowed", Error(Camera(", \"device\": \"/dev/video0\", \"format\": \"h264\"")));
        var c = ConfigLoader.Parse(Camera(", \"device\": \"HD Pro Webcam C920\", \"format\": \"nv12\", \"stallMs\": 1500"), "test.json", "/etc/edgecam");
        Assert.Equal("HD Pro Webcam C920", c.Source.Device);
        Assert.Equal(1500, c.Source.StallMs);
    }

    [Fact]
    public void SensorThresholdsAreInputsRulesMayUse()
    {
        string json = Valid.Replace("\"rules\": [", """
          "sensors": [ { "name": "room", "kind": "bme280", "bus": "/dev/i2c-1", "address": 118,
                         "thresholds": [ { "name": "too_hot", "quantity": "temperature", "above": 30, "hysteresis": 1 } ] } ],
          "rules": [ { "name": "fan", "when": { "minCount": 0, "input": "too_hot" }, "actions": [ { "output": "light" } ] },
        """);
        var c = ConfigLoader.Parse(json, "test.json", "/etc/edgecam");
        Assert.Equal("too_hot", c.Sensors[0].Thresholds[0].Name);
        Assert.Contains("sensors[0].address: 200 is not allowed", Error(json.Replace("\"address\": 118", "\"address\": 200")));
        Assert.Contains("sensors[0].thresholds[0]: expected exactly one of \"above\" and \"below\"", Error(json.Replace("\"above\": 30", "\"above\": 30, \"below\": 10")));
        Assert.Contains("sensors[0].kind: \"dht22\" is not allowed", Error(json.Replace("\"bme280\"", "\"dht22\"")));
    }

    [Fact]
    public void PwmActuatorsAreOutputsRulesMayDrive()
    {
        string json = Valid.Replace("\"rules\": [ { \"name\": \"a\", \"when\": { \"label\": \"face\" }, \"actions\": [ { \"output\": \"light\" } ] } ]", """
          "pwm": [ { "name": "buzzer", "chip": 0, "channel": 1, "kind": "tone", "frequencyHz": 2000 } ],
          "rules": [ { "name": "a", "when": { "label": "face" }, "actions": [ { "output": "buzzer", "do": "pulse" } ] } ]
        """);
        Assert.Equal("buzzer", ConfigLoader.Parse(json, "test.json", "/etc/edgecam").Pwm[0].Name);
        Assert.Contains("pwm[0].kind: \"siren\" is not allowed", Error(json.Replace("\"tone\"", "\"siren\"")));
        Assert.Contains("pwm[0].name: \"light\" is not allowed, expected a name not used by another output",
            Error(json.Replace("\"name\": \"buzzer\"", "\"name\": \"light\"")));
    }
}

/// <summary>The http and snapshots sections.</summary>
public class ServiceConfigTests
{
    private static string Error(string sections)
    {
        string json = "{ \"source\": { \"kind\": \"synthetic\" }, \"model\": { \"path\": \"m.onnx\" }, " + sections + " }";
        var e = Assert.Throws<UserFacingException>(() => ConfigLoader.Parse(json, "test.json", "/etc/edgecam"));
        Assert.Equal(ExitCodes.Config, e.ExitCode);
        return e.Message;
    }

    [Fact]
    public void HttpDefaultsToLoopbackAndSnapshotPathsExpand()
    {
        var c = ConfigLoader.Parse("{ \"source\": { \"kind\": \"synthetic\" }, \"model\": { \"path\": \"m.onnx\" }, \"http\": {}, \"snapshots\": { \"directory\": \"events\" } }",
            "test.json", "/var/lib/edgecam");
        Assert.Equal("127.0.0.1:8080", c.Http!.Listen);
        Assert.Null(c.Http.Token);
        Assert.Equal("/var/lib/edgecam/events", c.Snapshots!.Directory);
        Assert.Null(ConfigLoader.Parse("{ \"source\": { \"kind\": \"synthetic\" }, \"model\": { \"path\": \"m.onnx\" } }", "t", "/").Http);
    }

    [Fact]
    public void BadServiceValuesNameTheirPath()
    {
        Assert.Equal("config test.json: http.listen: \"camera:80\" is not allowed, expected HOST:PORT with an IP address or localhost, e.g. \"127.0.0.1:8080\"",
            Error("\"http\": { \"listen\": \"camera:80\" }"));
        Assert.Equal("config test.json: http.token: a token of 6 characters is not allowed, expected at least 16 characters without spaces",
            Error("\"http\": { \"token\": \"secret\" }"));
        Assert.Equal("config test.json: snapshots.directory: missing, expected the directory event snapshots are written to",
            Error("\"snapshots\": { }"));
        Assert.Equal("config test.json: snapshots.quality: 0 is not allowed, expected an integer from 1 to 100",
            Error("\"snapshots\": { \"directory\": \"/x\", \"quality\": 0 }"));
        Assert.Equal("config test.json: http.port: unknown key (line 1)", Error("\"http\": { \"port\": 80 }"));
    }
}

/// <summary>The adapt section.</summary>
public class AdaptConfigTests
{
    private static string Error(string adapt, string inputs = "[]")
    {
        string json = "{ \"source\": { \"kind\": \"synthetic\" }, \"model\": { \"path\": \"m.onnx\" }, \"gpio\": { \"inputs\": " + inputs + " }, \"adapt\": " + adapt + " }";
        var e = Assert.Throws<UserFacingException>(() => ConfigLoader.Parse(json, "test.json", "/etc/edgecam"));
        return e.Message;
    }

    [Fact]
    public void BadAdaptValuesNameTheirPath()
    {
        Assert.Equal("config test.json: adapt.thermal.restoreBelowC: 80 is not allowed, expected a temperature below throttleAboveC (75)",
            Error("{ \"thermal\": { \"throttleAboveC\": 75, \"restoreBelowC\": 80 } }"));
        Assert.Equal("config test.json: adapt.motion: nothing detects motion, expected \"frameDifference\" above 0 or an \"input\"",
            Error("{ \"motion\": { } }"));
        Assert.Equal("config test.json: adapt.motion.input: \"pir\" is not allowed, expected one of the gpio.inputs names",
            Error("{ \"motion\": { \"input\": \"pir\" } }"));
        Assert.Equal("config test.json: adapt.maxFps: -1 is not allowed, expected a number from 0 to 1000", Error("{ \"maxFps\": -1 }"));
    }

    [Fact]
    public void APirInputDeclaredInGpioIsAccepted()
    {
        var c = ConfigLoader.Parse("{ \"source\": { \"kind\": \"synthetic\" }, \"model\": { \"path\": \"m.onnx\" }, " +
            "\"gpio\": { \"inputs\": [ { \"name\": \"pir\", \"line\": 4 } ] }, \"adapt\": { \"motion\": { \"input\": \"pir\", \"holdMs\": 2000 } } }", "t", "/");
        Assert.Equal("pir", c.Adapt.Motion!.Input);
        Assert.True(c.Adapt.EvenSkipping);
    }
}
