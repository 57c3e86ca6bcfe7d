using EdgeCam.Configuration;
using EdgeCam.Devices.Gpio;
using EdgeCam.Logging;
using EdgeCam.Pipeline;
using EdgeCam.Rules;
using EdgeCam.Running;
using EdgeCam.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Tests.Running;

/// <summary>SIGHUP's work: a real config file rewritten on disk, reloaded over a simulated chip.</summary>
public class ConfigReloaderTests : IDisposable
{
    private static readonly ILogger Log = new JournalLoggerFactory(new JournalLoggerProvider(LogLevel.Critical)).CreateLogger("test");
    private static readonly string[] Labels = ["face"];
    private readonly string _path = Path.Combine(TestAssets.TempDir("reload"), "config.json");
    private readonly SimulatedGpioChip _chip = new(32);
    private readonly RunStatus _status = new(new PipelineStats(), "m", "1", "s");
    private readonly Events _events = new();
    private ConfigReloader? _reloader;

    private const string Outputs = """[ { "name": "light", "line": 3 } ]""";

    private void Write(string rules, string outputs = Outputs, string chip = "simulated", string extra = "") => File.WriteAllText(_path, $$"""
        { "source": { "kind": "synthetic" }, "model": { "path": "m.onnx" }{{extra}},
          "gpio": { "chip": "{{chip}}", "outputs": {{outputs}} }, "rules": {{rules}} }
        """);

    private static string Rule(string name, double minScore, string output = "light", string label = "face") =>
        $$"""[ { "name": "{{name}}", "when": { "label": "{{label}}", "minScore": {{minScore}} }, "actions": [ { "output": "{{output}}" } ] } ]""";

    private ConfigReloader Start()
    {
        _reloader = new ConfigReloader(_path, ConfigLoader.Load(_path), _chip, Labels, [], _ => { }, Log, Log);
        return _reloader;
    }

    private static InferenceResult Face(float score)
    {
        var r = new InferenceResult();
        r.Detections.Add(new Detection { ClassIndex = 0, Score = score, Box = new BoxF(0, 0, 10, 10) });
        return r;
    }

    [Fact]
    public void ANewThresholdTakesEffectWithoutTouchingTheLines()
    {
        Write(Rule("face_seen", 0.9));
        var reloader = Start();
        var before = reloader.BuildRules(_events);
        before.Evaluate(Face(0.7f), 0);
        Assert.False(before.IsActive(0));

        Write(Rule("face_seen", 0.5));
        reloader.Request();
        Assert.True(reloader.Pending);
        var after = reloader.Reload(_events, _status);
        Assert.NotNull(after);
        Assert.False(reloader.Pending);
        Assert.Same(before.Outputs, after.Outputs); // same GPIO lines, not re-requested
        after.Evaluate(Face(0.7f), 0);
        Assert.True(after.IsActive(0));
        Assert.True(_chip.PhysicalLevel(3));
        Assert.Equal(1, _status.ReloadsApplied);
        Assert.Equal(0.5f, reloader.Running.Rules[0].When.MinScore);
    }

    [Fact]
    public void ABrokenFileIsRejectedAndTheRunningConfigStays()
    {
        Write(Rule("face_seen", 0.9));
        var reloader = Start();
        var running = reloader.Running;
        File.WriteAllText(_path, "{ \"rules\": [ ");
        Assert.Null(reloader.Reload(_events, _status));
        Assert.Same(running, reloader.Running);
        Assert.Equal(1, _status.ReloadsRejected);
        Assert.StartsWith($"config {_path}: ", _status.LastReloadError);

        Write(Rule("face_seen", 7)); // out of range
        Assert.Null(reloader.Reload(_events, _status));
        Assert.Contains("rules[0].when.minScore", _status.LastReloadError);

        Write(Rule("cat_seen", 0.5, label: "cat")); // not a label of the running model
        Assert.Null(reloader.Reload(_events, _status));
        Assert.Contains("rules[0].when.label: \"cat\" is not allowed", _status.LastReloadError);

        Write(Rule("face_seen", 0.5), chip: "/dev/gpiochip1");
        Assert.Null(reloader.Reload(_events, _status));
        Assert.Contains("gpio.chip", _status.LastReloadError);
        Assert.Equal(4, _status.ReloadsRejected);
        Assert.Equal(0, _status.ReloadsApplied);
        Assert.Equal(0.9f, reloader.Running.Rules[0].When.MinScore);
    }

    [Fact]
    public void NewOutputsReplaceTheOldLinesWhichGoToTheirSafeState()
    {
        Write(Rule("face_seen", 0.5));
        var reloader = Start();
        var engine = reloader.BuildRules(_events);
        engine.Evaluate(Face(0.9f), 0);
        Assert.True(_chip.PhysicalLevel(3));

        Write(Rule("face_seen", 0.5, output: "siren"), outputs: """[ { "name": "siren", "line": 5 } ]""");
        var next = reloader.Reload(_events, _status);
        Assert.NotNull(next);
        Assert.False(_chip.PhysicalLevel(3)); // the old output fell back to its safe state and was released
        Assert.Equal("siren", Assert.Single(next.Outputs.Outputs).Name);
        next.Evaluate(Face(0.9f), 0);
        Assert.True(_chip.PhysicalLevel(5));
        // Line 3 is free again: it can be requested by someone else.
        using var line = _chip.RequestOutput(3, new OutputLineOptions(), "other");
    }

    [Fact]
    public void ABadRuleInANewGpioLayoutKeepsTheRunningLines()
    {
        Write(Rule("face_seen", 0.5));
        var reloader = Start();
        var engine = reloader.BuildRules(_events);
        engine.Evaluate(Face(0.9f), 0);
        Write(Rule("cat_seen", 0.5, output: "siren", label: "cat"), outputs: """[ { "name": "siren", "line": 5 } ]""");
        Assert.Null(reloader.Reload(_events, _status));
        Assert.True(_chip.PhysicalLevel(3)); // untouched
        Assert.Equal("light", Assert.Single(reloader.Outputs.Outputs).Name);
    }

    [Fact]
    public void SectionsThatNeedARestartAreKeptAsTheyRun()
    {
        Write(Rule("face_seen", 0.5));
        var reloader = Start();
        Write(Rule("face_seen", 0.6), extra: ", \"http\": { \"listen\": \"127.0.0.1:9999\" }");
        Assert.NotNull(reloader.Reload(_events, _status));
        Assert.Null(reloader.Running.Http); // takes effect on restart
        Assert.Equal(0.6f, reloader.Running.Rules[0].When.MinScore);
    }

    [Fact]
    public void TheBuiltInDemoHasNoFileToReload()
    {
        Write(Rule("face_seen", 0.5));
        using var reloader = new ConfigReloader(null, ConfigLoader.Load(_path), _chip, Labels, [], _ => { }, Log, Log);
        Assert.Null(reloader.Reload(_events, _status));
        Assert.Contains("built-in demo", _status.LastReloadError);
    }

    public void Dispose() => _reloader?.Dispose();

    private sealed class Events : IRuleEventSink
    {
        public void OnRule(in RuleEvent e) { }
        public void OnOutput(string output, bool value, long timeMs) { }
    }
}
