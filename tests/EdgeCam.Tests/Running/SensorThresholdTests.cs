using EdgeCam.Configuration;
using EdgeCam.Running;

namespace EdgeCam.Tests.Running;

public class SensorThresholdTests
{
    [Fact]
    public void AboveTurnsOnAtTheLevelAndOffPastTheHysteresis()
    {
        var t = new SensorThresholdInput(new ThresholdConfig { Name = "hot", Above = 30, Hysteresis = 1 });
        Assert.False(t.Update(29.9));
        Assert.True(t.Update(30.1));
        Assert.True(t.IsActive);
        Assert.False(t.Update(29.5)); // still above 29: no change
        Assert.True(t.IsActive);
        Assert.True(t.Update(28.9));
        Assert.False(t.IsActive);
    }

    [Fact]
    public void BelowWorksTheOtherWayRound()
    {
        var t = new SensorThresholdInput(new ThresholdConfig { Name = "dry", Quantity = "humidity", Below = 20, Hysteresis = 5 });
        Assert.True(t.Update(19));
        Assert.False(t.Update(24)); // needs 25 to clear
        Assert.True(t.Update(25.5));
        Assert.False(t.IsActive);
    }
}
