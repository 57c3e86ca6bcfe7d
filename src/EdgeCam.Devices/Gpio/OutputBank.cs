using Microsoft.Extensions.Logging;

namespace EdgeCam.Devices.Gpio;

/// <summary>A named output with the state it must fall back to.</summary>
public sealed record NamedOutput(string Name, IGpioOutput Line, bool SafeState);

/// <summary>
/// Owns the program's outputs and their declared safe states. The safe state is applied exactly
/// once, by whichever comes first of normal shutdown, Ctrl-C, SIGTERM or an unhandled fault (each
/// may call <see cref="ApplySafeState"/> concurrently), and the lines are then released.
/// </summary>
public sealed class OutputBank(IReadOnlyList<NamedOutput> outputs, ILogger? log = null) : IDisposable
{
    private int _applied;

    public IReadOnlyList<NamedOutput> Outputs => outputs;

    public NamedOutput? Find(string name)
    {
        foreach (var o in outputs) if (o.Name == name) return o;
        return null;
    }

    /// <summary>Drives every output to its safe state; only the first call acts. Returns whether this call did.</summary>
    public bool ApplySafeState(string reason)
    {
        if (Interlocked.Exchange(ref _applied, 1) != 0) return false;
        foreach (var o in outputs)
        {
            try
            {
                o.Line.Value = o.SafeState;
            }
            catch (Exception e)
            {
                log?.LogError(e, "could not put output {Name} into its safe state", o.Name);
            }
        }
        if (outputs.Count > 0)
            log?.LogInformation("outputs in their safe state ({Reason}): {States}", reason,
                string.Join(", ", outputs.Select(o => $"{o.Name}={(o.SafeState ? "on" : "off")}")));
        return true;
    }

    public void Dispose()
    {
        ApplySafeState("shutdown");
        foreach (var o in outputs) o.Line.Dispose();
    }
}

/// <summary>Opens the GPIO chip a configuration names.</summary>
public static class GpioChipLocator
{
    /// <summary>
    /// "simulated" gives the simulated chip; "auto" gives the simulated chip when the machine has no
    /// /dev/gpiochip*. Kernel chips (by path, name or label) arrive with the character-device
    /// driver; until then a named real chip is an error that says so.
    /// </summary>
    public static IGpioChip Open(string spec, ILogger? log, int simulatedLines = 32)
    {
        bool hasKernelChips = Directory.Exists("/dev") && Directory.EnumerateFiles("/dev", "gpiochip*").Any();
        if (spec == "simulated" || (spec == "auto" && !hasKernelChips))
        {
            log?.LogInformation("no /dev/gpiochip* in use: outputs go to a simulated chip that logs every change");
            return new SimulatedGpioChip(simulatedLines, log: log);
        }
        if (spec == "auto")
        {
            log?.LogWarning("this build drives simulated GPIO only; the machine's /dev/gpiochip* are left alone");
            return new SimulatedGpioChip(simulatedLines, log: log);
        }
        throw new GpioException($"GPIO chip \"{spec}\": kernel GPIO chips are not supported by this build yet; use \"auto\" or \"simulated\"");
    }
}
