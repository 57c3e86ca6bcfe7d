using Microsoft.Extensions.Logging;

namespace EdgeCam.Devices.Gpio;

/// <summary>A named output with the state it must fall back to.</summary>
public sealed record NamedOutput(string Name, IGpioOutput Line, bool SafeState);

/// <summary>
/// Owns the program's outputs and their declared safe states. The safe state is applied exactly
/// once, by whichever comes first of normal shutdown, Ctrl-C, SIGTERM or an unhandled fault (each
/// may call <see cref="ApplySafeState"/> concurrently), and the lines are then released. Rule
/// writes go through <see cref="TrySet"/>, under the same lock: once the safe state is applied no
/// late rule (a frame in flight, an input edge) can switch an output on again.
/// </summary>
public sealed class OutputBank(IReadOnlyList<NamedOutput> outputs, ILogger? log = null) : IDisposable
{
    private readonly object _gate = new();
    private int _applied;

    public bool SafeStateApplied => Volatile.Read(ref _applied) != 0;

    /// <summary>Drives output <paramref name="index"/> unless the safe state has been applied; returns whether it did.</summary>
    public bool TrySet(int index, bool value)
    {
        lock (_gate)
        {
            if (_applied != 0) return false;
            outputs[index].Line.Value = value;
            return true;
        }
    }

    public IReadOnlyList<NamedOutput> Outputs => outputs;

    public NamedOutput? Find(string name)
    {
        foreach (var o in outputs) if (o.Name == name) return o;
        return null;
    }

    /// <summary>Drives every output to its safe state; only the first call acts. Returns whether this call did.</summary>
    public bool ApplySafeState(string reason)
    {
        lock (_gate)
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
    /// "simulated" gives the simulated chip; "auto" gives the first /dev/gpiochip*, or the simulated
    /// chip when the machine has none; anything else is a chip path (/dev/gpiochipN) or a chip's
    /// name or label among /dev/gpiochip*.
    /// </summary>
    public static IGpioChip Open(string spec, ILogger? log, int simulatedLines = 32)
    {
        var paths = KernelGpioChip.ChipPaths().ToList();
        if (spec == "simulated" || (spec == "auto" && paths.Count == 0))
        {
            log?.LogInformation("no /dev/gpiochip* in use: outputs go to a simulated chip that logs every change");
            return new SimulatedGpioChip(simulatedLines, log: log);
        }
        if (spec == "auto") return Opened(KernelGpioChip.Open(paths[0]), log);
        if (spec.StartsWith('/')) return Opened(KernelGpioChip.Open(spec), log);
        var seen = new List<string>();
        foreach (var path in paths)
        {
            var chip = KernelGpioChip.Open(path);
            if (chip.Name == spec || chip.Label == spec) return Opened(chip, log);
            seen.Add($"{chip.Name} \"{chip.Label}\"");
            chip.Dispose();
        }
        throw new GpioException($"GPIO chip \"{spec}\": no chip with that name or label" +
            (seen.Count > 0 ? $" (found {string.Join(", ", seen)})" : " (the machine has no /dev/gpiochip*)"));
    }

    private static IGpioChip Opened(KernelGpioChip chip, ILogger? log)
    {
        log?.LogInformation("GPIO chip {Path}: {Name} \"{Label}\", {Lines} lines", chip.Path, chip.Name, chip.Label, chip.LineCount);
        return chip;
    }
}
