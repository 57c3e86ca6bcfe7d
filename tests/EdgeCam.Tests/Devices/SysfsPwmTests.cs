using EdgeCam.Devices.Pwm;

namespace EdgeCam.Tests.Devices;

/// <summary>
/// PWM against a sysfs tree in a temporary directory: no PWM chip can be emulated in the QEMU
/// guest (Linux 6.1 has no PWM simulator), so the tree stands in for /sys/class/pwm. It behaves
/// as the kernel's does where the binding depends on it: writing N to pwmchipX/export makes
/// pwmN/ appear with period, duty_cycle, polarity and enable; unexport removes it.
/// </summary>
public sealed class SysfsPwmTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("edgecam-pwm-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _kernel;

    public SysfsPwmTests()
    {
        string chip = Path.Combine(_root, "pwmchip0");
        Directory.CreateDirectory(chip);
        File.WriteAllText(Path.Combine(chip, "npwm"), "2\n");
        File.WriteAllText(Path.Combine(chip, "export"), "");
        File.WriteAllText(Path.Combine(chip, "unexport"), "");
        _kernel = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                string export = File.ReadAllText(Path.Combine(chip, "export")).Trim();
                if (export.Length > 0)
                {
                    string dir = Path.Combine(chip, $"pwm{export}");
                    Directory.CreateDirectory(dir);
                    File.WriteAllText(Path.Combine(dir, "period"), "0\n");
                    File.WriteAllText(Path.Combine(dir, "duty_cycle"), "0\n");
                    File.WriteAllText(Path.Combine(dir, "polarity"), "normal\n");
                    File.WriteAllText(Path.Combine(dir, "enable"), "0\n");
                    File.WriteAllText(Path.Combine(chip, "export"), "");
                }
                string unexport = File.ReadAllText(Path.Combine(chip, "unexport")).Trim();
                if (unexport.Length > 0)
                {
                    Directory.Delete(Path.Combine(chip, $"pwm{unexport}"), true);
                    File.WriteAllText(Path.Combine(chip, "unexport"), "");
                }
                await Task.Delay(5);
            }
        });
    }

    private string Read(string file) => File.ReadAllText(Path.Combine(_root, "pwmchip0", file)).Trim();

    [Fact]
    public void ABuzzerExportsItsChannelSoundsItsToneAndUnexportsOnDispose()
    {
        var channel = SysfsPwmChannel.Open(0, 1, _root);
        using (var buzzer = new PwmBuzzer(channel, "buzzer", frequencyHz: 2000))
        {
            buzzer.Value = true;
            Assert.Equal("500000", Read("pwm1/period"));
            Assert.Equal("250000", Read("pwm1/duty_cycle"));
            Assert.Equal("1", Read("pwm1/enable"));
            buzzer.Value = false;
            Assert.Equal("0", Read("pwm1/enable"));
        }
        Assert.True(SpinWait.SpinUntil(() => !Directory.Exists(Path.Combine(_root, "pwmchip0", "pwm1")), 2000));
    }

    [Fact]
    public void ADimmerSetsItsDutyCycleAndKeepsDutyWithinThePeriod()
    {
        using var dimmer = new PwmDimmer(SysfsPwmChannel.Open(0, 0, _root), "lamp", frequencyHz: 1000, onLevel: 0.3, offLevel: 0.05);
        dimmer.Value = true;
        Assert.Equal("1000000", Read("pwm0/period"));
        Assert.Equal("300000", Read("pwm0/duty_cycle"));
        dimmer.Value = false;
        Assert.Equal("50000", Read("pwm0/duty_cycle"));
        Assert.Equal("1", Read("pwm0/enable"));

        // A shorter period than the current duty: the duty goes down first, so at no step is duty > period.
        var channel = SysfsPwmChannel.Open(0, 0, _root);
        channel.Configure(1_000_000, 900_000);
        channel.Configure(100_000, 2_000_000);
        Assert.Equal("100000", Read("pwm0/period"));
        Assert.Equal("100000", Read("pwm0/duty_cycle")); // clamped to the period
    }

    [Theory]
    [InlineData(0, 1_000_000)]
    [InlineData(90, 1_500_000)]
    [InlineData(180, 2_000_000)]
    [InlineData(270, 2_000_000)] // clamped
    public void AServoAngleBecomesItsPulseWidth(double angle, long pulseNs) =>
        Assert.Equal(pulseNs, PwmServo.PulseNs(angle, 1000, 2000));

    [Fact]
    public void AServoMovesBetweenItsOnAndOffAngles()
    {
        using var servo = new PwmServo(SysfsPwmChannel.Open(0, 0, _root), "gate", onAngle: 90, offAngle: 0);
        servo.Value = true;
        Assert.Equal("20000000", Read("pwm0/period"));
        Assert.Equal("1500000", Read("pwm0/duty_cycle"));
        servo.Value = false;
        Assert.Equal("1000000", Read("pwm0/duty_cycle"));
    }

    [Fact]
    public void PolarityIsWrittenWhileDisabled()
    {
        using var channel = SysfsPwmChannel.Open(0, 0, _root);
        channel.Configure(1_000_000, 500_000);
        channel.Enable(true);
        channel.SetPolarity(PwmPolarity.Inversed);
        Assert.Equal("inversed", Read("pwm0/polarity"));
        Assert.Equal(PwmPolarity.Inversed, channel.Polarity);
        Assert.Equal("1", Read("pwm0/enable")); // re-enabled after the change
    }

    [Fact]
    public void AMissingChipOrChannelIsAClearError()
    {
        var e = Assert.Throws<PwmException>(() => SysfsPwmChannel.Open(3, 0, _root));
        Assert.Contains("pwmchip3", e.Message);
        e = Assert.Throws<PwmException>(() => SysfsPwmChannel.Open(0, 5, _root));
        Assert.Contains("channel 5 is out of range (the chip has 2 channels)", e.Message);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _kernel.Wait(1000);
        Directory.Delete(_root, true);
    }
}
