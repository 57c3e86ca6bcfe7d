using System.Text.Json;
using EdgeCam.SelfTest;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Cli;

/// <summary>`edgecam selftest --hil --wiring FILE`: the hardware-in-the-loop checks against real
/// devices (under QEMU: vivid, gpio-sim, i2c-stub; on a board: a webcam, loop-back wires, a BME280).
/// Exit 0 when every check passed.</summary>
public static class SelftestCommand
{
    public static int Execute(bool hil, string wiringPath, ILoggerFactory logs)
    {
        if (!hil) throw new UserFacingException(ExitCodes.Usage, "selftest: only --hil exists so far; run `edgecam selftest --hil --wiring FILE`");
        HilWiring wiring;
        try
        {
            using var stream = File.OpenRead(wiringPath);
            wiring = JsonSerializer.Deserialize(stream, HilWiringJsonContext.Default.HilWiring)
                ?? throw new UserFacingException(ExitCodes.Config, $"wiring {wiringPath}: empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException(ExitCodes.Config, $"wiring {wiringPath}: cannot read: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new UserFacingException(ExitCodes.Config, $"wiring {wiringPath}: {e.Path}: {e.Message}");
        }
        var report = new HilReport();
        new HilChecks(wiring, logs, report).RunAll();
        Console.Out.WriteLine($"hil: selftest done, {report.Passed} passed, {report.Failed} failed");
        return report.Failed == 0 ? ExitCodes.Ok : ExitCodes.Device;
    }
}
