using EdgeCam.Configuration;
using EdgeCam.Devices.Gpio;
using EdgeCam.Devices.Pwm;
using EdgeCam.Devices.Video;
using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Sources;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Running;

/// <summary>Builds the frame source and the GPIO lines a configuration describes.</summary>
public static class DeviceSetup
{
    public static IFrameSource OpenSource(SourceConfig s, ILogger log) => s.Kind switch
    {
        "camera" => new V4l2CameraSource(new V4l2CameraOptions(s.Device!, s.Width, s.Height, s.Format, StallTimeout: TimeSpan.FromMilliseconds(s.StallMs)), log),
        "synthetic" => new SyntheticPatternSource(s.Width, s.Height, s.Format == "rgb24" ? PixelFormat.Rgb24 : PixelFormat.Yuyv, s.Fps, s.Frames),
        _ => DirectoryReplaySource.Open(s.Path!, s.Fps, s.Loop, (long)s.MaxDecodedMegabytes << 20, log, framesPerImage: s.FramesPerImage),
    };

    public static OutputBank OpenOutputs(IGpioChip chip, GpioConfig gpio, ILogger log, IReadOnlyList<PwmConfig>? pwm = null)
    {
        var outputs = new List<NamedOutput>();
        try
        {
            foreach (var o in gpio.Outputs)
            {
                int offset = Resolve(chip, o.Name, o.Line, o.LineName);
                var drive = o.Drive switch { "openDrain" => GpioDrive.OpenDrain, "openSource" => GpioDrive.OpenSource, _ => GpioDrive.PushPull };
                // Requested directly in the safe state: the line never glitches through the other value at start.
                var line = chip.RequestOutput(offset, new OutputLineOptions(o.SafeState, o.ActiveLow, drive, BiasOf(o.Bias)), $"edgecam:{o.Name}");
                outputs.Add(new NamedOutput(o.Name, line, o.SafeState));
            }
            foreach (var p in pwm ?? [])
                outputs.Add(new NamedOutput(p.Name, OpenPwm(p), p.SafeState));
        }
        catch
        {
            foreach (var o in outputs) o.Line.Dispose();
            throw;
        }
        return new OutputBank(outputs, log);
    }

    public static List<GpioBinaryInput> OpenInputs(IGpioChip chip, GpioConfig gpio, ILogger log)
    {
        var inputs = new List<GpioBinaryInput>();
        foreach (var i in gpio.Inputs)
        {
            int offset = Resolve(chip, i.Name, i.Line, i.LineName);
            var line = chip.RequestInput(offset, new InputLineOptions(i.ActiveLow, BiasOf(i.Bias), TimeSpan.FromMilliseconds(i.DebounceMs)), $"edgecam:{i.Name}");
            inputs.Add(new GpioBinaryInput(i.Name, line, log));
        }
        return inputs;
    }

    private static PwmActuator OpenPwm(PwmConfig p)
    {
        var channel = SysfsPwmChannel.Open(p.Chip, p.Channel);
        try
        {
            channel.Enable(false);
            channel.SetPolarity(p.Polarity == "inversed" ? PwmPolarity.Inversed : PwmPolarity.Normal);
            PwmActuator actuator = p.Kind switch
            {
                "dim" => new PwmDimmer(channel, $"edgecam:{p.Name}", p.FrequencyHz, p.Level, p.OffLevel),
                "servo" => new PwmServo(channel, $"edgecam:{p.Name}", p.OnAngle, p.OffAngle, p.MinPulseUs, p.MaxPulseUs),
                _ => new PwmBuzzer(channel, $"edgecam:{p.Name}", p.FrequencyHz),
            };
            actuator.Value = p.SafeState; // like GPIO lines: start in the safe state
            return actuator;
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    /// <summary>Starts one sampler per configured sensor; a sensor that is missing or the wrong chip fails the start.</summary>
    public static List<SensorSampler> OpenSensors(IReadOnlyList<SensorConfig> sensors, ILogger log)
    {
        var samplers = new List<SensorSampler>();
        try
        {
            foreach (var s in sensors) samplers.Add(new SensorSampler(s, log));
        }
        catch
        {
            foreach (var s in samplers) s.Dispose();
            throw;
        }
        return samplers;
    }

    private static GpioBias BiasOf(string bias) =>
        bias switch { "pullUp" => GpioBias.PullUp, "pullDown" => GpioBias.PullDown, "disabled" => GpioBias.Disabled, _ => GpioBias.AsIs };

    private static int Resolve(IGpioChip chip, string name, int? line, string? lineName)
    {
        if (line is { } offset) return offset;
        int found = chip.FindLine(lineName!);
        return found >= 0 ? found : throw new GpioException($"{chip.Name}: no line named \"{lineName}\" (wanted for \"{name}\")");
    }
}
