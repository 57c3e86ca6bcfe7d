using EdgeCam.Devices.Gpio;

namespace EdgeCam.Devices.Pwm;

/// <summary>
/// What a PWM channel does when a rule switches it: an on setting and an off setting, so PWM
/// actuators join the outputs (and their safe states) like GPIO lines. <see cref="Value"/> true
/// applies the on setting.
/// </summary>
public abstract class PwmActuator(SysfsPwmChannel channel, string consumer) : IGpioOutput
{
    private bool _value;
    protected SysfsPwmChannel Channel { get; } = channel;
    public int Offset => -1;
    public string Consumer => consumer;

    public bool Value
    {
        get => _value;
        set { Apply(value); _value = value; }
    }

    protected abstract void Apply(bool on);

    public void Dispose() => Channel.Dispose();

    public static long PeriodFor(double frequencyHz) =>
        frequencyHz is > 0 and <= 1e9 ? (long)Math.Round(1e9 / frequencyHz) : throw new PwmException($"frequency {frequencyHz} Hz is not in 0..1e9");
}

/// <summary>A piezo buzzer: a square wave at <paramref name="frequencyHz"/> (50% duty) while on, silent when off.</summary>
public sealed class PwmBuzzer(SysfsPwmChannel channel, string consumer, double frequencyHz) : PwmActuator(channel, consumer)
{
    private readonly long _period = PeriodFor(frequencyHz);

    protected override void Apply(bool on)
    {
        if (on) { Channel.Configure(_period, _period / 2); Channel.Enable(true); }
        else Channel.Enable(false);
    }
}

/// <summary>An LED dimmer: duty <paramref name="onLevel"/> (0..1) when on, <paramref name="offLevel"/> when off.</summary>
public sealed class PwmDimmer(SysfsPwmChannel channel, string consumer, double frequencyHz, double onLevel, double offLevel = 0)
    : PwmActuator(channel, consumer)
{
    private readonly long _period = PeriodFor(frequencyHz);

    protected override void Apply(bool on)
    {
        double level = Math.Clamp(on ? onLevel : offLevel, 0, 1);
        Channel.Configure(_period, (long)Math.Round(_period * level));
        Channel.Enable(true);
    }
}

/// <summary>A hobby servo: 50 Hz, pulse width from <paramref name="minPulseUs"/> at 0 degrees to
/// <paramref name="maxPulseUs"/> at 180; at <paramref name="onAngle"/> when on, <paramref name="offAngle"/> when off.</summary>
public sealed class PwmServo(SysfsPwmChannel channel, string consumer, double onAngle, double offAngle, double minPulseUs = 1000, double maxPulseUs = 2000)
    : PwmActuator(channel, consumer)
{
    private const long Period = 20_000_000; // 50 Hz

    public static long PulseNs(double angle, double minPulseUs, double maxPulseUs) =>
        (long)Math.Round((minPulseUs + (maxPulseUs - minPulseUs) * Math.Clamp(angle, 0, 180) / 180.0) * 1000);

    protected override void Apply(bool on)
    {
        Channel.Configure(Period, PulseNs(on ? onAngle : offAngle, minPulseUs, maxPulseUs));
        Channel.Enable(true);
    }
}
