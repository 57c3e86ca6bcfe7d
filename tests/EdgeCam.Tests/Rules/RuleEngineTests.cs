using EdgeCam.Devices.Gpio;
using EdgeCam.Rules;
using EdgeCam.Vision;

namespace EdgeCam.Tests.Rules;

// Measures per-thread allocation: runs with no other test class in parallel.
[Collection(nameof(SerialTests))]
public class RuleEngineTests
{
    private sealed class Recorder : IRuleEventSink
    {
        public List<RuleEvent> Rules { get; } = [];
        public List<(string Output, bool Value, long Time)> Outputs { get; } = [];
        public void OnRule(in RuleEvent e) => Rules.Add(e);
        public void OnOutput(string output, bool value, long timeMs) => Outputs.Add((output, value, timeMs));
    }

    private sealed class FakeInput(string name) : IBinaryInput
    {
        public string Name => name;
        public bool IsActive { get; set; }
    }

    private static (RuleEngine Engine, SimulatedGpioChip Chip, Recorder Sink) Build(RuleDefinition rule, IBinaryInput[]? inputs = null)
    {
        var chip = new SimulatedGpioChip(8);
        var bank = new OutputBank([new NamedOutput("light", chip.RequestOutput(3, new OutputLineOptions(), "test"), false)]);
        var sink = new Recorder();
        return (new RuleEngine([rule], ["face", "dog"], bank, inputs, sink), chip, sink);
    }

    private static InferenceResult Faces(params (float Score, BoxF Box)[] faces)
    {
        var r = new InferenceResult();
        foreach (var (score, box) in faces) r.Detections.Add(new Detection { ClassIndex = 0, Score = score, Box = box });
        return r;
    }

    private static readonly BoxF Centre = new(40, 40, 60, 60);
    private static InferenceResult Face(float score = 0.9f) => Faces((score, Centre));
    private static readonly InferenceResult None = new();

    private static RuleDefinition Rule(Action<RuleDefinition>? tweak = null)
    {
        var r = new RuleDefinition { Name = "face", When = new() { Label = "face", MinScore = 0.5f }, Actions = [new() { Output = "light", Do = "set" }] };
        tweak?.Invoke(r);
        return r;
    }

    [Fact]
    public void SetFollowsTheRuleAndDrivesTheLine()
    {
        var (engine, chip, sink) = Build(Rule());
        engine.Evaluate(Face(), 0);
        Assert.True(chip.PhysicalLevel(3));
        engine.Evaluate(None, 100);
        Assert.False(chip.PhysicalLevel(3));
        Assert.Equal([("light", true, 0L), ("light", false, 100L)], sink.Outputs);
        Assert.Equal([true, false], sink.Rules.Select(e => e.Active));
    }

    [Fact]
    public void DebounceNeedsNOfTheLastMFrames()
    {
        var (engine, _, sink) = Build(Rule(r => r.Debounce = new() { Hits = 2, Of = 3 }));
        bool[] frames = [true, false, false, true, false, true, true, false, false, false];
        var states = new List<bool>();
        for (int i = 0; i < frames.Length; i++)
        {
            engine.Evaluate(frames[i] ? Face() : None, i * 100);
            states.Add(engine.IsActive(0));
        }
        // windows: [T] [T,F] [T,F,F] [F,F,T] [F,T,F] [T,F,T]=2 on [F,T,T] [T,T,F] [T,F,F]=1 off [F,F,F]
        Assert.Equal([false, false, false, false, false, true, true, true, false, false], states);
    }

    [Fact]
    public void HysteresisIgnoresFlickerBetweenThresholds()
    {
        var (engine, _, sink) = Build(Rule(r => r.Hysteresis = new() { On = 0.8f, Off = 0.4f }));
        float[] scores = [0.7f, 0.85f, 0.6f, 0.45f, 0.7f, 0.3f, 0.7f];
        var states = new List<bool>();
        for (int i = 0; i < scores.Length; i++) { engine.Evaluate(Face(scores[i]), i); states.Add(engine.IsActive(0)); }
        Assert.Equal([false, true, true, true, true, false, false], states);
        Assert.Equal(2, sink.Rules.Count);
    }

    [Fact]
    public void HoldKeepsTheRuleActiveAndCooldownDelaysTheNextStart()
    {
        var (engine, _, sink) = Build(Rule(r => { r.HoldMs = 1000; r.CooldownMs = 500; }));
        engine.Evaluate(Face(), 0);
        engine.Evaluate(None, 400);
        Assert.True(engine.IsActive(0));       // held
        engine.Evaluate(None, 1000);
        Assert.False(engine.IsActive(0));      // hold over
        engine.Evaluate(Face(), 1200);
        Assert.False(engine.IsActive(0));      // cooling down until 1500
        engine.Evaluate(Face(), 1500);
        Assert.True(engine.IsActive(0));
        Assert.Equal([0L, 1000, 1500], sink.Rules.Select(e => e.TimeMs));
    }

    [Fact]
    public void ZonesAreConcavePolygonsAndMinCountCounts()
    {
        // An L-shaped zone: the notch (50..100, 0..50) is outside.
        var zone = new List<List<float>> { new() { 0, 0 }, new() { 50, 0 }, new() { 50, 50 }, new() { 100, 50 }, new() { 100, 100 }, new() { 0, 100 } };
        var (engine, _, _) = Build(Rule(r => { r.When.Zone = zone; r.When.MinCount = 2; }));
        var inNotch = new BoxF(70, 10, 80, 20);
        var inside1 = new BoxF(10, 10, 20, 20);
        var inside2 = new BoxF(70, 70, 80, 80);
        engine.Evaluate(Faces((0.9f, inside1), (0.9f, inNotch)), 0);
        Assert.False(engine.IsActive(0));
        engine.Evaluate(Faces((0.9f, inside1), (0.9f, inside2)), 1);
        Assert.True(engine.IsActive(0));
    }

    [Fact]
    public void TheLabelMustMatch()
    {
        var (engine, _, _) = Build(Rule());
        var dog = new InferenceResult();
        dog.Detections.Add(new Detection { ClassIndex = 1, Score = 0.99f, Box = Centre });
        engine.Evaluate(dog, 0);
        Assert.False(engine.IsActive(0));
    }

    [Fact]
    public void AnInputConditionGatesTheRule()
    {
        var pir = new FakeInput("pir");
        var (engine, _, _) = Build(Rule(r => r.When.Input = "pir"), [pir]);
        engine.Evaluate(Face(), 0);
        Assert.False(engine.IsActive(0));
        pir.IsActive = true;
        engine.Evaluate(Face(), 1);
        Assert.True(engine.IsActive(0));
    }

    [Fact]
    public void PulseAndBlinkRunOnTicks()
    {
        var (pulse, pulseChip, _) = Build(Rule(r => r.Actions = [new() { Output = "light", Do = "pulse", DurationMs = 300 }]));
        pulse.Evaluate(Face(), 1000);
        Assert.True(pulseChip.PhysicalLevel(3));
        pulse.Tick(1299);
        Assert.True(pulseChip.PhysicalLevel(3));
        pulse.Tick(1300);
        Assert.False(pulseChip.PhysicalLevel(3));

        var (blink, blinkChip, sink) = Build(Rule(r => r.Actions = [new() { Output = "light", Do = "blink", PeriodMs = 100 }]));
        blink.Evaluate(Face(), 0);
        var levels = new List<bool>();
        foreach (long t in new long[] { 50, 100, 150, 200, 250 }) { blink.Tick(t); levels.Add(blinkChip.PhysicalLevel(3)); }
        Assert.Equal([true, false, false, true, true], levels);
        blink.Evaluate(None, 260);
        Assert.False(blinkChip.PhysicalLevel(3));
    }

    [Fact]
    public void AnUnknownLabelIsRefusedNamingTheModelsLabels()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(Rule(r => r.When.Label = "cat")));
        Assert.Equal("rules[0].when.label: \"cat\" is not allowed, expected one of the model's labels (\"face\", \"dog\")", e.Message);
    }

    [Fact]
    public void ValidationMessagesNameThePathTheValueAndTheExpectation()
    {
        var bad = Rule(r => { r.Debounce = new() { Hits = 1, Of = 0 }; r.Actions = [new() { Output = "lamp", Do = "flash" }]; });
        var errors = new List<string>();
        RuleValidator.Validate([Rule(), bad], ["light"], [], errors);
        Assert.Contains("rules[1].debounce.of: 0 is not allowed, expected an integer >= 1", errors);
        Assert.Contains("rules[1].name: \"face\" is not allowed, expected a name no other rule has", errors);
        Assert.Contains("rules[1].actions[0].output: \"lamp\" is not allowed, expected the name of a gpio output (\"light\")", errors);
        Assert.Contains("rules[1].actions[0].do: \"flash\" is not allowed, expected one of \"set\", \"pulse\", \"blink\"", errors);
    }

    [Fact]
    public void ASteadySceneAllocatesNothing()
    {
        var (engine, _, _) = Build(Rule(r => { r.Debounce = new() { Hits = 2, Of = 3 }; r.Hysteresis = new() { On = 0.7f, Off = 0.5f }; }));
        var face = Face();
        long now = 0;
        AllocationAssert.NoneInSteadyState(() => { engine.Evaluate(face, now); engine.Tick(now); now++; }, warmup: 10, window: 1000);
    }
}
