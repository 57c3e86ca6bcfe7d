namespace EdgeCam.Devices.Sensors;

/// <summary>One quantity a sensor measured, in SI-ish units people read ("temperature", 21.37, "C").</summary>
public readonly record struct SensorValue(string Quantity, double Value, string Unit);

/// <summary>
/// A sensor driver: one folder per chip under Sensors/. <see cref="Sample"/> takes one fresh
/// measurement (blocking for the conversion time) and returns its values; drivers throw
/// <see cref="SensorException"/> with the bus, address and what went wrong.
/// </summary>
public interface ISensor : IDisposable
{
    string Name { get; }
    IReadOnlyList<SensorValue> Sample();
}

public sealed class SensorException(string message, Exception? inner = null) : Exception(message, inner);
