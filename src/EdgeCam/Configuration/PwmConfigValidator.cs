namespace EdgeCam.Configuration;

/// <summary>Validates the pwm section: names unique among outputs, kinds, channels, frequencies, levels, angles.</summary>
internal static class PwmConfigValidator
{
    private static readonly string[] PwmKinds = ["tone", "dim", "servo"];

    public static void Validate(EdgeCamConfig c, List<string> errors)
    {
        var outputs = new HashSet<string>(c.Gpio.Outputs.Select(o => o.Name), StringComparer.Ordinal);
        for (int i = 0; i < c.Pwm.Count; i++)
        {
            var p = c.Pwm[i];
            string at = $"pwm[{i}]";
            if (string.IsNullOrEmpty(p.Name)) errors.Add($"{at}.name: missing, expected the output name rules use");
            else if (!outputs.Add(p.Name)) errors.Add($"{at}.name: \"{p.Name}\" is not allowed, expected a name not used by another output");
            if (!PwmKinds.Contains(p.Kind)) errors.Add($"{at}.kind: \"{p.Kind}\" is not allowed, expected one of {string.Join(", ", PwmKinds.Select(k => $"\"{k}\""))}");
            if (p.Chip < 0) errors.Add($"{at}.chip: {p.Chip} is not allowed, expected the N of /sys/class/pwm/pwmchipN");
            if (p.Channel < 0) errors.Add($"{at}.channel: {p.Channel} is not allowed, expected an integer >= 0");
            if (!(p.FrequencyHz is > 0 and <= 1e6)) errors.Add($"{at}.frequencyHz: {p.FrequencyHz} is not allowed, expected a number from 0 (exclusive) to 1000000");
            if (p.Level is < 0 or > 1 || p.OffLevel is < 0 or > 1) errors.Add($"{at}.level: expected level and offLevel from 0 to 1");
            if (p.OnAngle is < 0 or > 180 || p.OffAngle is < 0 or > 180) errors.Add($"{at}.onAngle: expected onAngle and offAngle from 0 to 180 degrees");
            if (!(p.MinPulseUs > 0 && p.MaxPulseUs > p.MinPulseUs && p.MaxPulseUs < 20000)) errors.Add($"{at}.minPulseUs: expected 0 < minPulseUs < maxPulseUs < 20000");
            if (p.Polarity is not ("normal" or "inversed")) errors.Add($"{at}.polarity: \"{p.Polarity}\" is not allowed, expected \"normal\" or \"inversed\"");
        }
    }
}
