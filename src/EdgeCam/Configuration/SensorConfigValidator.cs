namespace EdgeCam.Configuration;

/// <summary>Validates the sensors section: known drivers, addresses, intervals, thresholds.</summary>
internal static class SensorConfigValidator
{
    private static readonly string[] Kinds = ["bme280"];
    private static readonly string[] Quantities = ["temperature", "pressure", "humidity"];

    public static void Validate(EdgeCamConfig c, List<string> errors)
    {
        var names = new HashSet<string>(c.Gpio.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        for (int i = 0; i < c.Sensors.Count; i++)
        {
            var s = c.Sensors[i];
            string at = $"sensors[{i}]";
            if (string.IsNullOrEmpty(s.Name)) errors.Add($"{at}.name: missing, expected a name for the sensor");
            if (!Kinds.Contains(s.Kind)) errors.Add($"{at}.kind: \"{s.Kind}\" is not allowed, expected one of {string.Join(", ", Kinds.Select(k => $"\"{k}\""))}");
            if (string.IsNullOrEmpty(s.Bus)) errors.Add($"{at}.bus: missing, expected an I2C bus device such as /dev/i2c-1");
            if (s.Address is < 0x03 or > 0x77) errors.Add($"{at}.address: {s.Address} is not allowed, expected a 7-bit I2C address from 3 to 119 (0x03..0x77)");
            if (s.IntervalMs is < 100 or > 3_600_000) errors.Add($"{at}.intervalMs: {s.IntervalMs} is not allowed, expected an integer from 100 to 3600000");
            for (int t = 0; t < s.Thresholds.Count; t++)
            {
                var th = s.Thresholds[t];
                string tat = $"{at}.thresholds[{t}]";
                if (string.IsNullOrEmpty(th.Name)) errors.Add($"{tat}.name: missing, expected the input name rules use");
                else if (!names.Add(th.Name)) errors.Add($"{tat}.name: \"{th.Name}\" is not allowed, expected a name not used by another input or threshold");
                if (!Quantities.Contains(th.Quantity)) errors.Add($"{tat}.quantity: \"{th.Quantity}\" is not allowed, expected one of {string.Join(", ", Quantities.Select(q => $"\"{q}\""))}");
                if (th.Above.HasValue == th.Below.HasValue) errors.Add($"{tat}: expected exactly one of \"above\" and \"below\"");
                if (th.Hysteresis < 0 || double.IsNaN(th.Hysteresis)) errors.Add($"{tat}.hysteresis: {th.Hysteresis} is not allowed, expected a number >= 0");
            }
        }
    }
}
