namespace EdgeCam.Configuration;

/// <summary>Checks values the JSON types cannot: ranges, known words, references between sections
/// (a rule's output must be declared), duplicates. Messages follow one pattern:
/// <c>path: value is not allowed, expected ...</c>.</summary>
internal static class ConfigValidator
{
    private static readonly string[] SourceKinds = ["image", "directory", "synthetic", "camera"];
    private static readonly string[] SyntheticFormats = ["rgb24", "yuyv"];
    private static readonly string[] Optimizations = ["disabled", "basic", "extended", "all"];
    private static readonly string[] Drives = ["pushPull", "openDrain", "openSource"];
    private static readonly string[] Biases = ["none", "pullUp", "pullDown", "disabled"];

    public static void Validate(EdgeCamConfig c, List<string> errors)
    {
        var s = c.Source;
        OneOf("source.kind", s.Kind, SourceKinds, errors);
        if (s.Kind is "image" or "directory" && string.IsNullOrEmpty(s.Path))
            errors.Add($"source.path: missing, expected the {(s.Kind == "image" ? "image file" : "directory")} to replay");
        if (s.Fps < 0 || double.IsNaN(s.Fps) || s.Fps > 1000)
            errors.Add($"source.fps: {s.Fps} is not allowed, expected a number from 0 to 1000");
        if (s.Kind == "synthetic")
        {
            OneOf("source.format", s.Format, SyntheticFormats, errors);
            Range("source.width", s.Width, 2, 8192, errors);
            Range("source.height", s.Height, 2, 8192, errors);
            if (s.Frames < 0) errors.Add($"source.frames: {s.Frames} is not allowed, expected an integer >= 0");
        }
        if (s.Kind == "camera")
        {
            if (string.IsNullOrEmpty(s.Device))
                errors.Add("source.device: missing, expected a V4L2 device path (/dev/video0) or its card, bus or driver name");
            if (EdgeCam.Devices.Video.V4l2Formats.Parse(s.Format) is null)
                errors.Add($"source.format: \"{s.Format}\" is not allowed, expected one of {string.Join(", ", EdgeCam.Devices.Video.V4l2Formats.Supported.Select(f => EdgeCam.Devices.Video.V4l2Formats.Name(f.FourCc).ToLowerInvariant()))}");
            Range("source.width", s.Width, 2, 8192, errors);
            Range("source.height", s.Height, 2, 8192, errors);
            Range("source.stallMs", s.StallMs, 100, 600000, errors);
        }
        Range("source.framesPerImage", s.FramesPerImage, 1, 100000, errors);
        Range("source.maxDecodedMegabytes", s.MaxDecodedMegabytes, 1, 65536, errors);

        SensorConfigValidator.Validate(c, errors);
        PwmConfigValidator.Validate(c, errors);

        if (string.IsNullOrEmpty(c.Model.Path))
            errors.Add("model.path: missing, expected the .onnx model file");
        Range("model.threads", c.Model.Threads, 0, 256, errors);
        Range("model.preprocessThreads", c.Model.PreprocessThreads, 0, 2, errors);
        OneOf("model.optimization", c.Model.Optimization, Optimizations, errors);

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < c.Gpio.Outputs.Count; i++)
        {
            var o = c.Gpio.Outputs[i];
            string path = $"gpio.outputs[{i}]";
            LineRef(path, o.Name, o.Line, o.LineName, names, errors);
            OneOf($"{path}.drive", o.Drive, Drives, errors);
            OneOf($"{path}.bias", o.Bias, Biases, errors);
        }
        for (int i = 0; i < c.Gpio.Inputs.Count; i++)
        {
            var input = c.Gpio.Inputs[i];
            string path = $"gpio.inputs[{i}]";
            LineRef(path, input.Name, input.Line, input.LineName, names, errors);
            OneOf($"{path}.bias", input.Bias, Biases, errors);
            Range($"{path}.debounceMs", input.DebounceMs, 0, 1000, errors);
        }

        if (c.Run.MaxFrames < 0) errors.Add($"run.maxFrames: {c.Run.MaxFrames} is not allowed, expected an integer >= 0");
        Range("run.warmupFrames", c.Run.WarmupFrames, 0, 10000, errors);

        if (c.Update is { } u) ValidateUpdate(u, errors);
        if (c.Http is { } http)
        {
            if (!EdgeCam.Http.HttpServer.TryParseListen(http.Listen, out _))
                errors.Add($"http.listen: \"{http.Listen}\" is not allowed, expected HOST:PORT with an IP address or localhost, e.g. \"127.0.0.1:8080\"");
            if (http.Token is { } token && (token.Length < 16 || token.Any(char.IsWhiteSpace)))
                errors.Add($"http.token: a token of {token.Length} characters is not allowed, expected at least 16 characters without spaces");
            Range("http.maxConnections", http.MaxConnections, 1, 256, errors);
        }
        if (c.Snapshots is { } snapshots)
        {
            if (string.IsNullOrEmpty(snapshots.Directory))
                errors.Add("snapshots.directory: missing, expected the directory event snapshots are written to");
            Range("snapshots.maxMegabytes", snapshots.MaxMegabytes, 1, 1_000_000, errors);
            Range("snapshots.quality", snapshots.Quality, 1, 100, errors);
        }

        var a = c.Adapt;
        if (a.MaxFps < 0 || double.IsNaN(a.MaxFps) || a.MaxFps > 1000)
            errors.Add($"adapt.maxFps: {a.MaxFps} is not allowed, expected a number from 0 to 1000");
        if (a.Thermal is { } t)
        {
            if (string.IsNullOrEmpty(t.Zone)) errors.Add("adapt.thermal.zone: missing, expected a directory such as /sys/class/thermal/thermal_zone0");
            if (!(t.RestoreBelowC < t.ThrottleAboveC))
                errors.Add($"adapt.thermal.restoreBelowC: {t.RestoreBelowC} is not allowed, expected a temperature below throttleAboveC ({t.ThrottleAboveC})");
            if (!(t.ThrottledFps > 0 && t.ThrottledFps <= 1000))
                errors.Add($"adapt.thermal.throttledFps: {t.ThrottledFps} is not allowed, expected a number above 0 and up to 1000");
            if (!(t.CheckEverySeconds >= 0.1 && t.CheckEverySeconds <= 600))
                errors.Add($"adapt.thermal.checkEverySeconds: {t.CheckEverySeconds} is not allowed, expected a number from 0.1 to 600");
        }
        if (a.Motion is { } m)
        {
            if (!(m.FrameDifference >= 0 && m.FrameDifference <= 255))
                errors.Add($"adapt.motion.frameDifference: {m.FrameDifference} is not allowed, expected a number from 0 to 255");
            if (m.FrameDifference == 0 && m.Input is null)
                errors.Add("adapt.motion: nothing detects motion, expected \"frameDifference\" above 0 or an \"input\"");
            if (m.Input is { } input && !c.Gpio.Inputs.Exists(i => i.Name == input))
                errors.Add($"adapt.motion.input: \"{input}\" is not allowed, expected one of the gpio.inputs names");
            Range("adapt.motion.holdMs", m.HoldMs, 0, 3_600_000, errors);
        }

        RuleConfigValidator.Validate(c, errors);
        MqttConfigValidator.Validate(c.Mqtt, errors);
    }

    private static void ValidateUpdate(UpdateConfig u, List<string> errors)
    {
        if (!Uri.TryCreate(u.Origin, UriKind.Absolute, out var origin) || origin.Scheme is not ("http" or "https"))
            errors.Add($"update.origin: '{u.Origin}' is not allowed, expected an http:// or https:// base URL");
        else if (!u.Origin.EndsWith('/'))
            errors.Add($"update.origin: '{u.Origin}' is not allowed, expected a base URL ending in '/'");
        if (string.IsNullOrEmpty(u.TrustedRoot)) errors.Add("update.trustedRoot: missing, expected the root.json shipped with the device");
        if (string.IsNullOrEmpty(u.Model)) errors.Add("update.model: missing, expected the model line to follow (a bundle's name)");
        Range("update.intervalSeconds", u.IntervalSeconds, 1, 7 * 86400, errors);
        Range("update.jitterSeconds", u.JitterSeconds, 0, 86400, errors);
        Range("update.downloadTimeoutSeconds", u.DownloadTimeoutSeconds, 1, 86400, errors);
        Range("update.maxBundleMegabytes", u.MaxBundleMegabytes, 1, 4096, errors);
        Range("update.maxStartsAfterSwitch", u.MaxStartsAfterSwitch, 1, 100, errors);
        Range("update.crashWindowSeconds", u.CrashWindowSeconds, 1, 86400, errors);
        Range("update.failingFramesForRollback", u.FailingFramesForRollback, 1, 100000, errors);
    }

    private static void LineRef(string path, string name, int? line, string? lineName, HashSet<string> names, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(name))
            errors.Add($"{path}.name: missing, expected a name that rules refer to");
        else if (!names.Add(name))
            errors.Add($"{path}.name: \"{name}\" is not allowed, expected a name not used by another output or input");
        if (line is null && string.IsNullOrEmpty(lineName))
            errors.Add($"{path}: missing line, expected \"line\" (offset) or \"lineName\"");
        if (line is < 0 or > 511)
            errors.Add($"{path}.line: {line} is not allowed, expected an integer from 0 to 511");
    }

    internal static void OneOf(string path, string value, string[] allowed, List<string> errors)
    {
        if (Array.IndexOf(allowed, value) < 0)
            errors.Add($"{path}: \"{value}\" is not allowed, expected one of {string.Join(", ", allowed.Select(a => $"\"{a}\""))}");
    }

    internal static void Range(string path, long value, long min, long max, List<string> errors)
    {
        if (value < min || value > max)
            errors.Add($"{path}: {value} is not allowed, expected an integer from {min} to {max}");
    }
}
