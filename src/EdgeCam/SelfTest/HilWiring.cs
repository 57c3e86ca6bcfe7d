using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeCam.SelfTest;

/// <summary>
/// What `edgecam selftest --hil` runs against: the camera, the GPIO lines and how each is observed
/// or driven, the BME280, and (emulated) how to unplug and replug the camera. Under QEMU the
/// observations are gpio-sim's sysfs files; on a board they are loop-back wires between lines.
/// </summary>
public sealed class HilWiring
{
    /// <summary>V4L2 device path or card/bus/driver name.</summary>
    public string Camera { get; set; } = "/dev/video0";
    public int CameraWidth { get; set; } = 640;
    public int CameraHeight { get; set; } = 480;
    /// <summary>The camera shows the 75% colour bars (vivid, or a colour-bar chart): check the tensor's pixels.</summary>
    public bool ColourBars { get; set; }
    public string Model { get; set; } = "";
    public string? Runtime { get; set; }

    /// <summary>The chip: "auto", a path, or a chip's name or label.</summary>
    public string GpioChip { get; set; } = "auto";
    /// <summary>The line edgecam drives.</summary>
    public int OutputLine { get; set; }
    /// <summary>How the output's level is seen: a sysfs value file (gpio-sim) ...</summary>
    public string? OutputValuePath { get; set; }
    /// <summary>... or an input line wired to the output (a board).</summary>
    public int? ObserveLine { get; set; }
    /// <summary>The input line edgecam watches for edges.</summary>
    public int InputLine { get; set; } = 1;
    /// <summary>How the input is driven: gpio-sim's pull file ...</summary>
    public string? InputPullPath { get; set; }
    /// <summary>... or an output line wired to the input (a board).</summary>
    public int? StimulusLine { get; set; }
    public int EdgeBudgetMs { get; set; } = 50;
    /// <summary>The line the run's rule "on while the input is active" drives, and how it is seen.</summary>
    public int ActLine { get; set; } = 3;
    /// <summary>When set, the run finds the act line by this name instead of its offset.</summary>
    public string? ActLineName { get; set; }
    public string? ActValuePath { get; set; }
    public int? ActObserveLine { get; set; }

    public string? I2cBus { get; set; }
    public int Bme280Address { get; set; } = 0x76;
    /// <summary>Expected compensated values for the seeded registers (emulated); absent on a board (plausibility only).</summary>
    public double? ExpectTemperatureC { get; set; }
    public double? ExpectPressurePa { get; set; }
    public double? ExpectHumidityPercent { get; set; }

    /// <summary>Commands that take the camera away and bring it back (emulated: rmmod/modprobe vivid). Absent: the check is skipped.</summary>
    public List<string>? Unplug { get; set; }
    public List<string>? Replug { get; set; }
    public int ResumeBudgetMs { get; set; } = 2000;

    /// <summary>Commands that make the camera stop delivering frames while staying present, and undo it
    /// (emulated: vivid's "percentage of dropped buffers" control at 100, then 0). Absent: the check is skipped.</summary>
    public List<string>? Stall { get; set; }
    public List<string>? Unstall { get; set; }

    /// <summary>With a BME280: the line a sensor rule drives ("fan on above thresholdC"), and how it is seen.</summary>
    public int FanLine { get; set; } = 2;
    public string? FanValuePath { get; set; }
    public int? FanObserveLine { get; set; }
    /// <summary>The temperature above which the run's fan rule turns the fan line on (below the seeded reading under QEMU).</summary>
    public double FanAboveC { get; set; } = 25;
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(HilWiring))]
internal sealed partial class HilWiringJsonContext : JsonSerializerContext;
