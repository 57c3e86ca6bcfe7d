namespace EdgeCam.Configuration;

/// <summary>
/// The one configuration file of a device (JSON, camelCase keys, comments allowed, unknown keys
/// rejected). Relative paths are relative to the file; "${EDGECAM_CACHE}" and "~" expand.
/// </summary>
public sealed class EdgeCamConfig
{
    public SourceConfig Source { get; set; } = new();
    public ModelConfig Model { get; set; } = new();
    public GpioConfig Gpio { get; set; } = new();
    public List<EdgeCam.Rules.RuleDefinition> Rules { get; set; } = [];
    public RunConfig Run { get; set; } = new();
    /// <summary>Signed model updates; absent = the configured model is the only one.</summary>
    public UpdateConfig? Update { get; set; }
    /// <summary>The local HTTP API (health, metrics, status, snapshot); absent = no API.</summary>
    public HttpConfig? Http { get; set; }
    /// <summary>Event snapshots on disk; absent = none.</summary>
    public SnapshotConfig? Snapshots { get; set; }
    /// <summary>Adapting the work to the device: even frame skipping, thermal throttling, motion gate.</summary>
    public AdaptConfig Adapt { get; set; } = new();
    /// <summary>Optional: events, state and Home Assistant discovery over MQTT (see MqttConfig.cs).</summary>
    public MqttConfig? Mqtt { get; set; }
    /// <summary>Sensors sampled on their own schedule; their thresholds are inputs rules can use.</summary>
    public List<SensorConfig> Sensors { get; set; } = [];
    /// <summary>PWM actuators (sysfs): outputs that rules switch like GPIO lines.</summary>
    public List<PwmConfig> Pwm { get; set; } = [];
}

/// <summary>A PWM channel as an output: a buzzer tone, an LED dimmer or a servo, with an on and an off setting.</summary>
public sealed class PwmConfig
{
    public string Name { get; set; } = "";
    /// <summary>N of /sys/class/pwm/pwmchipN.</summary>
    public int Chip { get; set; }
    public int Channel { get; set; }
    /// <summary>"tone" (buzzer), "dim" (LED) or "servo".</summary>
    public string Kind { get; set; } = "tone";
    /// <summary>Tone pitch or dimmer frequency (servos run at 50 Hz).</summary>
    public double FrequencyHz { get; set; } = 2000;
    /// <summary>Dimmer: duty 0..1 when on and when off.</summary>
    public double Level { get; set; } = 1;
    public double OffLevel { get; set; }
    /// <summary>Servo: angle (0..180 degrees) when on and when off, and the pulse widths of 0 and 180 degrees.</summary>
    public double OnAngle { get; set; } = 90;
    public double OffAngle { get; set; }
    public double MinPulseUs { get; set; } = 1000;
    public double MaxPulseUs { get; set; } = 2000;
    /// <summary>"normal" or "inversed".</summary>
    public string Polarity { get; set; } = "normal";
    public bool SafeState { get; set; }
}

public sealed class AdaptConfig
{
    /// <summary>Process at most this many frames a second (0 = the source's rate).</summary>
    public double MaxFps { get; set; }
    /// <summary>When inference is slower than the source, process evenly spaced frames at the rate it sustains.</summary>
    public bool EvenSkipping { get; set; } = true;
    public ThermalConfig? Thermal { get; set; }
    public MotionConfig? Motion { get; set; }
}

public sealed class ThermalConfig
{
    /// <summary>The thermal zone directory, e.g. /sys/class/thermal/thermal_zone0 (its "temp" file is read).</summary>
    public string Zone { get; set; } = "/sys/class/thermal/thermal_zone0";
    public double ThrottleAboveC { get; set; } = 80;
    /// <summary>Restore the frame rate at or below this temperature (below throttleAboveC: hysteresis).</summary>
    public double RestoreBelowC { get; set; } = 70;
    /// <summary>The frame rate while throttled.</summary>
    public double ThrottledFps { get; set; } = 2;
    public double CheckEverySeconds { get; set; } = 2;
}

public sealed class MotionConfig
{
    /// <summary>Mean absolute luma difference (0..255) between checked frames that counts as motion; 0 = not used.</summary>
    public double FrameDifference { get; set; }
    /// <summary>A gpio input (e.g. a PIR sensor) whose active level counts as motion.</summary>
    public string? Input { get; set; }
    /// <summary>Keep running inference this long after the last motion.</summary>
    public int HoldMs { get; set; } = 5000;
}

public sealed class HttpConfig
{
    /// <summary>"HOST:PORT"; loopback by default so nothing is exposed unless asked for.</summary>
    public string Listen { get; set; } = "127.0.0.1:8080";
    /// <summary>Bearer token for mutating endpoints (at least 16 characters); without it they answer 403.</summary>
    public string? Token { get; set; }
    /// <summary>Connections served at once.</summary>
    public int MaxConnections { get; set; } = 8;
}

public sealed class SnapshotConfig
{
    /// <summary>Where event snapshots go (created if missing).</summary>
    public string? Directory { get; set; }
    /// <summary>The directory's quota: the oldest snapshots are deleted beyond it.</summary>
    public int MaxMegabytes { get; set; } = 100;
    /// <summary>JPEG quality, 1..100.</summary>
    public int Quality { get; set; } = 85;
}

public sealed class SensorConfig
{
    public string Name { get; set; } = "";
    /// <summary>The driver: "bme280".</summary>
    public string Kind { get; set; } = "bme280";
    /// <summary>The I2C bus device, e.g. /dev/i2c-1.</summary>
    public string Bus { get; set; } = "/dev/i2c-1";
    /// <summary>7-bit I2C address (a BME280 is at 0x76 = 118 or 0x77 = 119).</summary>
    public int Address { get; set; } = 0x76;
    public int IntervalMs { get; set; } = 5000;
    public List<ThresholdConfig> Thresholds { get; set; } = [];
}

/// <summary>A named binary input that is on while a sensor quantity is above <see cref="Above"/>
/// (or below <see cref="Below"/>), with <see cref="Hysteresis"/> to turn off.</summary>
public sealed class ThresholdConfig
{
    public string Name { get; set; } = "";
    /// <summary>"temperature" (C), "pressure" (Pa) or "humidity" (%RH).</summary>
    public string Quantity { get; set; } = "temperature";
    public double? Above { get; set; }
    public double? Below { get; set; }
    public double Hysteresis { get; set; }
}

public sealed class SourceConfig
{
    /// <summary>"image", "directory", "synthetic" or "camera" (V4L2).</summary>
    public string Kind { get; set; } = "directory";
    /// <summary>An image file or a directory of images.</summary>
    public string? Path { get; set; }
    /// <summary>Replay rate for directories and the synthetic pattern; 0 means as fast as frames are taken.</summary>
    public double Fps { get; set; } = 10;
    /// <summary>Replay the directory (or the single image) again and again until stopped.</summary>
    public bool Loop { get; set; }
    /// <summary>Directory/image sources: consecutive frames that show each image (a camera dwelling on a scene).</summary>
    public int FramesPerImage { get; set; } = 1;
    /// <summary>Synthetic pattern size and pixel format ("rgb24" or "yuyv").</summary>
    public int Width { get; set; } = 640;
    public int Height { get; set; } = 480;
    public string Format { get; set; } = "yuyv";
    /// <summary>Synthetic: frames to produce; 0 = endless.</summary>
    public long Frames { get; set; } = 300;
    /// <summary>Camera: a V4L2 device path (/dev/video0) or its card, bus or driver name. Width, height and
    /// format are what is asked for; the nearest the device offers is taken.</summary>
    public string? Device { get; set; }
    /// <summary>Camera: no frame for this long counts as a stall: the device is closed and reopened.</summary>
    public int StallMs { get; set; } = 3000;
    /// <summary>Largest total size of decoded images a directory source may hold in memory.</summary>
    public int MaxDecodedMegabytes { get; set; } = 256;
}

public sealed class ModelConfig
{
    public string? Path { get; set; }
    /// <summary>The model card; default: MODEL.card.json beside the model, else the model's metadata.</summary>
    public string? Card { get; set; }
    /// <summary>ORT intra-op threads (0 = ORT's default, one per core).</summary>
    public int Threads { get; set; }
    /// <summary>Threads the frame-to-tensor pass may use: 2 shares the tensor rows of large frames
    /// (from 300,000 source pixels, 640x480) with one helper thread, 1 keeps it on the pipeline thread, 0
    /// (default) is 2 when <see cref="Threads"/> leaves a core free and 1 otherwise: with every
    /// core given to ONNX Runtime, whose threads spin between runs, the helper only competes with
    /// them (measured: no gain, worse p99; docs/BENCHMARKS.md).</summary>
    public int PreprocessThreads { get; set; }
    /// <summary>"disabled", "basic", "extended" or "all".</summary>
    public string Optimization { get; set; } = "all";
    /// <summary>Where ORT may write the optimised graph, to start faster next time.</summary>
    public string? OptimizedModelPath { get; set; }
    /// <summary>Path of libonnxruntime.so.1 when not next to the binary or on the library path.</summary>
    public string? Runtime { get; set; }
}

public sealed class GpioConfig
{
    /// <summary>"auto" (the first /dev/gpiochip*, or a simulated chip when none exists),
    /// "simulated", or a chip's path, name or label.</summary>
    public string Chip { get; set; } = "auto";
    public List<OutputConfig> Outputs { get; set; } = [];
    public List<InputConfig> Inputs { get; set; } = [];
}

public sealed class OutputConfig
{
    public string Name { get; set; } = "";
    /// <summary>Line offset on the chip; or give <see cref="LineName"/>.</summary>
    public int? Line { get; set; }
    public string? LineName { get; set; }
    public bool ActiveLow { get; set; }
    /// <summary>The value the output takes on start, stop, Ctrl-C and faults.</summary>
    public bool SafeState { get; set; }
    /// <summary>"pushPull", "openDrain" or "openSource".</summary>
    public string Drive { get; set; } = "pushPull";
    /// <summary>"none", "pullUp", "pullDown" or "disabled" (open-drain/source outputs usually want a pull).</summary>
    public string Bias { get; set; } = "none";
}

public sealed class InputConfig
{
    public string Name { get; set; } = "";
    public int? Line { get; set; }
    public string? LineName { get; set; }
    public bool ActiveLow { get; set; }
    /// <summary>"none", "pullUp", "pullDown" or "disabled".</summary>
    public string Bias { get; set; } = "none";
    public int DebounceMs { get; set; }
}

public sealed class RunConfig
{
    /// <summary>Stop after this many processed frames (0 = when the source ends).</summary>
    public long MaxFrames { get; set; }
    /// <summary>Frames run before statistics start (first runs are slow while ORT warms up).</summary>
    public int WarmupFrames { get; set; } = 3;
    /// <summary>Print one JSON line per detection frame, not only per rule/output change.</summary>
    public bool LogDetections { get; set; }
}

public sealed class UpdateConfig
{
    /// <summary>The update origin: a base URL of static files (N.root.json, timestamp.json, snapshot.json,
    /// targets.json and the bundles), e.g. "https://updates.example.com/edgecam/".</summary>
    public string Origin { get; set; } = "";
    /// <summary>The root metadata shipped with the device: the trust anchor.</summary>
    public string TrustedRoot { get; set; } = "";
    /// <summary>Where metadata, downloads, installed bundles and state.json live (default: $STATE_DIRECTORY
    /// from systemd, else ~/.local/state/edgecam).</summary>
    public string? StateDirectory { get; set; }
    /// <summary>The model line to follow (a bundle's custom "name").</summary>
    public string Model { get; set; } = "";
    /// <summary>This device's hardware tags; a bundle must list one of them. Default: the runtime's RID, e.g. "linux-x64".</summary>
    public List<string> Hardware { get; set; } = [];
    /// <summary>Seconds between checks, and the random jitter added to each (so a fleet does not poll in step).</summary>
    public int IntervalSeconds { get; set; } = 3600;
    public int JitterSeconds { get; set; } = 300;
    /// <summary>Deadline for one metadata or bundle download (a slow-retrieval attack ends here).</summary>
    public int DownloadTimeoutSeconds { get; set; } = 300;
    /// <summary>Largest bundle accepted, whatever the metadata says.</summary>
    public int MaxBundleMegabytes { get; set; } = 256;
    /// <summary>Crash-loop rollback: more than this many process starts within <see cref="CrashWindowSeconds"/>
    /// of a switch sends the device back to the previous bundle.</summary>
    public int MaxStartsAfterSwitch { get; set; } = 3;
    public int CrashWindowSeconds { get; set; } = 600;
    /// <summary>Health rollback: this many failing frames in a row right after a switch, with none good, rolls back.</summary>
    public int FailingFramesForRollback { get; set; } = 20;
}
