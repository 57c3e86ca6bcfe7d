using EdgeCam.Rules;

namespace EdgeCam.Configuration;

/// <summary>Validates the rules section against the outputs and inputs the gpio section declares (and the sensors' thresholds, which are inputs too).</summary>
internal static class RuleConfigValidator
{
    public static void Validate(EdgeCamConfig c, List<string> errors) =>
        RuleValidator.Validate(c.Rules,
            c.Gpio.Outputs.Select(o => o.Name).Concat(c.Pwm.Select(p => p.Name)).ToHashSet(StringComparer.Ordinal),
            c.Gpio.Inputs.Select(i => i.Name).Concat(c.Sensors.SelectMany(s => s.Thresholds).Select(t => t.Name)).ToHashSet(StringComparer.Ordinal),
            errors);
}
