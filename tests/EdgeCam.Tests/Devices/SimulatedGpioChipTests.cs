using EdgeCam.Devices.Gpio;

namespace EdgeCam.Tests.Devices;

public class SimulatedGpioChipTests
{
    [Fact]
    public void ALineIsRequestedByOneConsumerAtATime()
    {
        var chip = new SimulatedGpioChip(8);
        using var first = chip.RequestOutput(2, new OutputLineOptions(), "door");
        var e = Assert.Throws<GpioException>(() => chip.RequestOutput(2, new OutputLineOptions(), "other"));
        Assert.Contains("line 2 is busy", e.Message);
        Assert.Contains("door", e.Message);
        first.Dispose();
        using var again = chip.RequestInput(2, new InputLineOptions(), "other");
        Assert.Equal("other", chip.LineInfo(2).Consumer);
    }

    [Fact]
    public void ActiveLowInvertsThePhysicalLevel()
    {
        var chip = new SimulatedGpioChip(8);
        using var relay = chip.RequestOutput(5, new OutputLineOptions(InitialValue: false, ActiveLow: true), "relay");
        Assert.True(chip.PhysicalLevel(5));
        relay.Value = true;
        Assert.False(chip.PhysicalLevel(5));
        Assert.True(relay.Value);
    }

    [Fact]
    public void OffsetsOutOfRangeNameTheChip()
    {
        var chip = new SimulatedGpioChip(8, name: "sim0");
        var e = Assert.Throws<GpioException>(() => chip.RequestOutput(8, new OutputLineOptions(), "x"));
        Assert.Equal("sim0: line offset 8 is out of range (the chip has 8 lines, 0..7)", e.Message);
    }

    [Fact]
    public void InputsDeliverEdgeEventsInTheWatchedDirections()
    {
        var chip = new SimulatedGpioChip(8);
        using var pir = chip.RequestInput(1, new InputLineOptions(Edges: GpioEdges.Rising), "pir");
        chip.SetInputLevel(1, true);
        chip.SetInputLevel(1, false);
        chip.SetInputLevel(1, true);
        Assert.True(pir.WaitForEvent(TimeSpan.FromMilliseconds(10), CancellationToken.None));
        Assert.True(pir.TryReadEvent(out var a));
        Assert.True(pir.TryReadEvent(out var b));
        Assert.False(pir.TryReadEvent(out _));
        Assert.True(a.Rising && b.Rising);
        Assert.Equal(a.Sequence + 1, b.Sequence);
        Assert.True(pir.Read());
    }

    [Fact]
    public void TheSafeStateIsAppliedExactlyOnceEvenFromTwoThreads()
    {
        var chip = new SimulatedGpioChip(8);
        var light = chip.RequestOutput(0, new OutputLineOptions(), "light");
        var bank = new OutputBank([new NamedOutput("light", light, SafeState: false)]);
        light.Value = true;
        int applied = 0;
        Parallel.For(0, 2, _ => { if (bank.ApplySafeState("test")) Interlocked.Increment(ref applied); });
        Assert.Equal(1, applied);
        Assert.False(chip.PhysicalLevel(0));
        Assert.Equal([false, true, false], chip.History.Select(h => h.Level));
        bank.Dispose();
        Assert.Null(chip.LineInfo(0).Consumer);
    }
}
