namespace EdgeCam.Devices.Gpio;

public enum GpioDrive { PushPull, OpenDrain, OpenSource }

public enum GpioBias { AsIs, PullUp, PullDown, Disabled }

[Flags]
public enum GpioEdges { None = 0, Rising = 1, Falling = 2, Both = Rising | Falling }

public sealed record OutputLineOptions(bool InitialValue = false, bool ActiveLow = false, GpioDrive Drive = GpioDrive.PushPull, GpioBias Bias = GpioBias.AsIs);

public sealed record InputLineOptions(bool ActiveLow = false, GpioBias Bias = GpioBias.AsIs, TimeSpan Debounce = default, GpioEdges Edges = GpioEdges.Both);

/// <summary>An edge seen on an input line, as the kernel reports it (gpio_v2_line_event): rising
/// and falling are in logical terms (active-low already applied).</summary>
public readonly record struct GpioEdgeEvent(long TimestampNs, int Offset, bool Rising, uint Sequence);

/// <summary>What a chip says about one of its lines.</summary>
public sealed record GpioLineInfo(int Offset, string Name, string? Consumer, bool IsOutput, bool ActiveLow, bool Used);

/// <summary>
/// One GPIO chip: a kernel gpiochip through the character device, or a simulated one. Lines are
/// requested for exclusive use and released by disposing the request.
/// </summary>
public interface IGpioChip : IDisposable
{
    string Name { get; }
    string Label { get; }
    int LineCount { get; }
    bool IsSimulated { get; }
    GpioLineInfo LineInfo(int offset);
    /// <summary>The offset of the line called <paramref name="name"/>, or -1.</summary>
    int FindLine(string name);
    IGpioOutput RequestOutput(int offset, OutputLineOptions options, string consumer);
    IGpioInput RequestInput(int offset, InputLineOptions options, string consumer);
}

/// <summary>A requested output line. <see cref="Value"/> is logical (true = active, whatever the polarity).</summary>
public interface IGpioOutput : IDisposable
{
    int Offset { get; }
    string Consumer { get; }
    bool Value { get; set; }
}

/// <summary>A requested input line with edge detection.</summary>
public interface IGpioInput : IDisposable
{
    int Offset { get; }
    string Consumer { get; }
    /// <summary>Reads the current logical level.</summary>
    bool Read();
    /// <summary>Takes the oldest pending edge event, without blocking.</summary>
    bool TryReadEvent(out GpioEdgeEvent edge);
    /// <summary>Waits up to <paramref name="timeout"/> for an edge event to be pending.</summary>
    bool WaitForEvent(TimeSpan timeout, CancellationToken cancel);
}

public sealed class GpioException(string message) : Exception(message);
