using EdgeCam.Devices.Gpio;

namespace EdgeCam.SelfTest;

/// <summary>Sees the physical level an output drives: gpio-sim's sysfs value file, or an input line wired to it.</summary>
public interface ILevelProbe : IDisposable { bool Read(); }

/// <summary>Drives an input line from outside: gpio-sim's sysfs pull file, or an output line wired to it.</summary>
public interface ILevelStimulus : IDisposable { void Set(bool high); }

public sealed class SysfsValueProbe(string path) : ILevelProbe
{
    public bool Read() => File.ReadAllText(path).Trim() == "1";
    public void Dispose() { }
}

public sealed class SysfsPullStimulus(string path) : ILevelStimulus
{
    public void Set(bool high) => File.WriteAllText(path, high ? "pull-up" : "pull-down");
    public void Dispose() { }
}

public sealed class InputLineProbe(IGpioInput line) : ILevelProbe
{
    public bool Read() => line.Read();
    public void Dispose() => line.Dispose();
}

public sealed class OutputLineStimulus(IGpioOutput line) : ILevelStimulus
{
    public void Set(bool high) => line.Value = high;
    public void Dispose() => line.Dispose();
}
