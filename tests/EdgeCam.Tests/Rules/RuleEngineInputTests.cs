using EdgeCam.Devices.Gpio;
using EdgeCam.Rules;
using EdgeCam.Vision;

namespace EdgeCam.Tests.Rules;

/// <summary>Rules on an input alone react when the input changes, not at the next frame; and no
/// rule can switch an output once the safe state is applied.</summary>
public class RuleEngineInputTests
{
    private sealed class Button : IBinaryInput
    {
        public string Name => "button";
        public bool IsActive { get; set; }
    }

    private static RuleDefinition InputRule(string name, string output, Action<RuleDefinition>? tweak = null)
    {
        var r = new RuleDefinition { Name = name, When = new() { MinCount = 0, Input = "button" }, Actions = [new() { Output = output, Do = "set" }] };
        tweak?.Invoke(r);
        return r;
    }

    private static (RuleEngine Engine, SimulatedGpioChip Chip, OutputBank Bank, Button Button) Build(params RuleDefinition[] rules)
    {
        var chip = new SimulatedGpioChip(8);
        var bank = new OutputBank([
            new NamedOutput("door", chip.RequestOutput(3, new OutputLineOptions(), "test"), false),
            new NamedOutput("alarm", chip.RequestOutput(4, new OutputLineOptions(), "test"), false)]);
        var button = new Button();
        return (new RuleEngine(rules, ["face"], bank, [button]), chip, bank, button);
    }

    [Fact]
    public void AnInputOnlyRuleActsOnTheChangeWithoutAFrame()
    {
        var (engine, chip, _, button) = Build(InputRule("open", "door"));
        button.IsActive = true;
        engine.OnInputChanged(10);
        Assert.True(chip.PhysicalLevel(3));
        button.IsActive = false;
        engine.OnInputChanged(20);
        Assert.False(chip.PhysicalLevel(3));
    }

    [Fact]
    public void RulesThatNeedDetectionsOrFrameDebounceWaitForTheFrame()
    {
        var (engine, chip, _, button) = Build(
            InputRule("face_and_button", "door", r => { r.When.Label = "face"; r.When.MinCount = 1; }),
            InputRule("debounced", "alarm", r => r.Debounce = new DebounceDefinition { Hits = 2, Of = 3 }));
        button.IsActive = true;
        engine.OnInputChanged(10);
        Assert.False(chip.PhysicalLevel(3));
        Assert.False(chip.PhysicalLevel(4));
        engine.Evaluate(new InferenceResult(), 100);
        engine.Evaluate(new InferenceResult(), 200);
        Assert.True(chip.PhysicalLevel(4)); // 2 of 3 frames
        Assert.False(chip.PhysicalLevel(3)); // no face
    }

    [Fact]
    public void NothingSwitchesAnOutputOnceTheSafeStateIsApplied()
    {
        var (engine, chip, bank, button) = Build(InputRule("open", "door"));
        bank.ApplySafeState("stopping");
        button.IsActive = true;
        engine.OnInputChanged(10);
        engine.Evaluate(new InferenceResult(), 20);
        Assert.False(chip.PhysicalLevel(3));
        Assert.True(bank.SafeStateApplied);
    }

    [Fact]
    public async Task EdgesFromAnotherThreadAndFramesDoNotRace()
    {
        var (engine, chip, _, button) = Build(InputRule("open", "door"), InputRule("alarm", "alarm", r => r.When.InputState = false));
        var frames = Task.Run(() => { for (int i = 0; i < 20000; i++) engine.Evaluate(new InferenceResult(), i); });
        for (int i = 0; i < 20000; i++) { button.IsActive = i % 2 == 0; engine.OnInputChanged(i); }
        await frames;
        button.IsActive = true;
        engine.OnInputChanged(30000);
        // Exactly one of the two complementary outputs is on: no lost or torn update.
        Assert.True(chip.PhysicalLevel(3));
        Assert.False(chip.PhysicalLevel(4));
    }
}
