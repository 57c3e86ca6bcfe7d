using EdgeCam.Devices.Gpio;
using EdgeCam.Imaging.Codecs;
using EdgeCam.Inference.Cards;
using EdgeCam.Inference.Onnx;
using EdgeCam.Logging;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Cli;

/// <summary>
/// Runs one command with a logger and turns every error into one line on stderr and an exit
/// code (see <see cref="ExitCodes"/>): a person sees what failed and where, never a stack trace
/// (set EDGECAM_DEBUG=1 to get one).
/// </summary>
public static class CommandRunner
{
    /// <param name="quiet">One-shot commands (detect, infer, model info) keep stderr for warnings and
    /// errors unless --verbose; the long-running `run` logs what it does.</param>
    public static int Execute(bool verbose, Func<ILoggerFactory, int> command, bool quiet = false)
    {
        var level = verbose ? LogLevel.Debug : quiet ? LogLevel.Warning : LogLevel.Information;
        using var logs = new JournalLoggerFactory(new JournalLoggerProvider(level));
        try
        {
            return command(logs);
        }
        catch (Exception e)
        {
            (int code, string message) = Describe(e);
            Console.Error.WriteLine($"edgecam: {message}");
            if (Environment.GetEnvironmentVariable("EDGECAM_DEBUG") == "1") Console.Error.WriteLine(e);
            return code;
        }
    }

    public static (int Code, string Message) Describe(Exception e) => e switch
    {
        UserFacingException u => (u.ExitCode, u.Message),
        OrtException o => (ExitCodes.Model, o.Message),
        ModelCardException m => (ExitCodes.Model, m.Message),
        ImageDecodeException d => (ExitCodes.Input, d.Message),
        GpioException g => (ExitCodes.Device, g.Message),
        EdgeCam.Updates.Tuf.UpdateRejectedException u => (ExitCodes.UpdateRefused, $"update refused ({u.Failure}): {u.Message}"),
        EdgeCam.Devices.Video.V4l2Exception v => (ExitCodes.Device, v.Message),
        EdgeCam.Devices.Sensors.SensorException se => (ExitCodes.Device, se.Message),
        EdgeCam.Devices.Pwm.PwmException pe => (ExitCodes.Device, pe.Message),
        OperationCanceledException => (ExitCodes.Interrupted, "interrupted"),
        _ => (ExitCodes.Internal, $"internal error: {e.GetType().Name}: {e.Message}"),
    };
}
