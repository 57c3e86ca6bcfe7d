namespace EdgeCam.Devices.Pwm;

public sealed class PwmException(string message, Exception? inner = null) : Exception(message, inner);

public enum PwmPolarity { Normal, Inversed }

/// <summary>
/// One PWM channel through the kernel's sysfs interface (a stable ABI):
/// /sys/class/pwm/pwmchipN/export creates pwmM/ with period, duty_cycle (ns), polarity and enable.
/// Writes keep duty_cycle &lt;= period at every step, as the kernel requires; polarity can only
/// change while disabled. The root is a parameter so tests can point it at a directory tree.
/// </summary>
public sealed class SysfsPwmChannel : IDisposable
{
    private readonly string _dir;
    private readonly bool _exportedHere;
    private long _period = -1, _duty = -1;
    private bool _enabled;

    public string Name { get; }

    private SysfsPwmChannel(string name, string dir, bool exportedHere)
    {
        Name = name; _dir = dir; _exportedHere = exportedHere;
        _period = ReadLong("period");
        _duty = ReadLong("duty_cycle");
        _enabled = ReadLong("enable") == 1;
    }

    /// <summary>Exports channel <paramref name="channel"/> of pwmchip<paramref name="chip"/> if needed and opens it.</summary>
    public static SysfsPwmChannel Open(int chip, int channel, string root = "/sys/class/pwm", TimeSpan exportWait = default)
    {
        string chipDir = Path.Combine(root, $"pwmchip{chip}");
        string name = $"pwmchip{chip}/pwm{channel}";
        if (!Directory.Exists(chipDir))
            throw new PwmException($"PWM {name}: {chipDir} does not exist (is the PWM overlay enabled, e.g. dtoverlay=pwm-2chan on a Raspberry Pi?)");
        int count = int.TryParse(TryRead(Path.Combine(chipDir, "npwm")), out int n) ? n : int.MaxValue;
        if (channel < 0 || channel >= count) throw new PwmException($"PWM {name}: channel {channel} is out of range (the chip has {count} channels)");
        string dir = Path.Combine(chipDir, $"pwm{channel}");
        bool exported = false;
        if (!Directory.Exists(dir))
        {
            Write(Path.Combine(chipDir, "export"), channel.ToString(System.Globalization.CultureInfo.InvariantCulture), name);
            exported = true;
            // The kernel creates the directory at once; udev may still be fixing permissions.
            var wait = exportWait > TimeSpan.Zero ? exportWait : TimeSpan.FromSeconds(2);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(dir, "enable")))
            {
                if (clock.Elapsed > wait) throw new PwmException($"PWM {name}: exported but {dir} did not appear within {wait.TotalSeconds:0.#} s");
                Thread.Sleep(10);
            }
        }
        return new SysfsPwmChannel(name, dir, exported);
    }

    public long PeriodNs => _period;
    public long DutyCycleNs => _duty;
    public bool Enabled => _enabled;

    /// <summary>Sets period and duty cycle in the order that keeps duty &lt;= period throughout.</summary>
    public void Configure(long periodNs, long dutyNs)
    {
        if (periodNs <= 0) throw new PwmException($"PWM {Name}: period {periodNs} ns is not positive");
        dutyNs = Math.Clamp(dutyNs, 0, periodNs);
        if (periodNs == _period && dutyNs == _duty) return;
        if (_duty > periodNs) Set("duty_cycle", ref _duty, dutyNs); // shrink duty before the period drops under it
        Set("period", ref _period, periodNs);
        Set("duty_cycle", ref _duty, dutyNs);
    }

    public void SetPolarity(PwmPolarity polarity)
    {
        bool was = _enabled;
        if (was) Enable(false); // the kernel refuses polarity changes on a running channel
        Write(Path.Combine(_dir, "polarity"), polarity == PwmPolarity.Normal ? "normal" : "inversed", Name);
        if (was) Enable(true);
    }

    public PwmPolarity Polarity => TryRead(Path.Combine(_dir, "polarity"))?.Trim() == "inversed" ? PwmPolarity.Inversed : PwmPolarity.Normal;

    public void Enable(bool on)
    {
        if (on == _enabled) return;
        Write(Path.Combine(_dir, "enable"), on ? "1" : "0", Name);
        _enabled = on;
    }

    private void Set(string file, ref long field, long value)
    {
        Write(Path.Combine(_dir, file), value.ToString(System.Globalization.CultureInfo.InvariantCulture), Name);
        field = value;
    }

    private long ReadLong(string file) => long.TryParse(TryRead(Path.Combine(_dir, file))?.Trim(), out long v) ? v : 0;

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static void Write(string path, string value, string name)
    {
        try { File.WriteAllText(path, value); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PwmException($"PWM {name}: writing \"{value}\" to {path} failed: {e.Message}", e);
        }
    }

    /// <summary>Disables the channel and unexports it if this object exported it.</summary>
    public void Dispose()
    {
        try
        {
            Enable(false);
            if (_exportedHere)
                Write(Path.Combine(Path.GetDirectoryName(_dir)!, "unexport"), Path.GetFileName(_dir)["pwm".Length..], Name);
        }
        catch (PwmException) { } // the chip may be gone; nothing else to release
    }
}
