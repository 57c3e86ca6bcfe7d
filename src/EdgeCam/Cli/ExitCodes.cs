namespace EdgeCam.Cli;

/// <summary>Process exit codes, documented in README.md. Scripts and systemd rely on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>An unexpected internal fault (a bug): the message says what.</summary>
    public const int Internal = 1;
    /// <summary>The command line is wrong (unknown option, missing argument).</summary>
    public const int Usage = 2;
    /// <summary>The configuration file is missing or invalid.</summary>
    public const int Config = 3;
    /// <summary>The model or its card is missing, not ONNX, or contradicts itself.</summary>
    public const int Model = 4;
    /// <summary>An input (image, tensor file, frame source) cannot be read or decoded.</summary>
    public const int Input = 5;
    /// <summary>A device (camera, GPIO, I2C) failed.</summary>
    public const int Device = 6;
    /// <summary>An update was refused (bad signature, replay, expiry, hash, self-test...): the message names the reason.</summary>
    public const int UpdateRefused = 7;
    /// <summary>Interrupted by SIGINT/SIGTERM before finishing (run mode exits 0 on a requested stop).</summary>
    public const int Interrupted = 130;
}

/// <summary>An error meant for a person: printed as one line, mapped to an exit code, no stack trace.</summary>
public sealed class UserFacingException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
