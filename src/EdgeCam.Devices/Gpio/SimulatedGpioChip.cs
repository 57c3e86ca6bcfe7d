using Microsoft.Extensions.Logging;

namespace EdgeCam.Devices.Gpio;

/// <summary>
/// A GPIO chip in memory, for machines without /dev/gpiochip (development, CI, the demo). It
/// keeps the kernel's rules that matter to callers: a line is requested by one consumer at a
/// time, active-low inverts the physical level, offsets are checked, released lines float back to
/// inputs. Each output change is logged as one line and kept in <see cref="History"/>; tests and
/// the simulation drive inputs with <see cref="SetInputLevel"/>.
/// </summary>
public sealed class SimulatedGpioChip : IGpioChip
{
    private readonly object _gate = new();
    private readonly Line[] _lines;
    private readonly ILogger? _log;
    private const int HistoryLimit = 1024;
    private readonly Queue<(long TimeNs, int Offset, bool Level)> _history = new();

    public string Name { get; }
    public string Label { get; }
    public int LineCount => _lines.Length;
    public bool IsSimulated => true;

    public SimulatedGpioChip(int lines = 32, string name = "gpio-sim", string label = "EdgeCam simulated chip",
        IReadOnlyDictionary<int, string>? lineNames = null, ILogger? log = null)
    {
        _lines = new Line[lines];
        for (int i = 0; i < lines; i++) _lines[i] = new Line { Name = lineNames?.GetValueOrDefault(i) ?? "" };
        Name = name; Label = label; _log = log;
    }

    /// <summary>The latest physical level changes of output lines (at most 1024), oldest first.</summary>
    public IReadOnlyList<(long TimeNs, int Offset, bool Level)> History { get { lock (_gate) return _history.ToArray(); } }

    /// <summary>The physical level a line drives (outputs) or sees (inputs).</summary>
    public bool PhysicalLevel(int offset) { lock (_gate) return Get(offset).Level; }

    public GpioLineInfo LineInfo(int offset)
    {
        lock (_gate)
        {
            var l = Get(offset);
            return new GpioLineInfo(offset, l.Name, l.Consumer, l.IsOutput, l.ActiveLow, l.Consumer is not null);
        }
    }

    public int FindLine(string name)
    {
        for (int i = 0; i < _lines.Length; i++) if (_lines[i].Name == name) return i;
        return -1;
    }

    public IGpioOutput RequestOutput(int offset, OutputLineOptions options, string consumer)
    {
        lock (_gate)
        {
            var l = Claim(offset, consumer);
            l.IsOutput = true;
            l.ActiveLow = options.ActiveLow;
            SetPhysical(offset, options.InitialValue ^ options.ActiveLow, consumer, force: true);
            return new Output(this, offset, consumer);
        }
    }

    public IGpioInput RequestInput(int offset, InputLineOptions options, string consumer)
    {
        lock (_gate)
        {
            var l = Claim(offset, consumer);
            l.IsOutput = false;
            l.ActiveLow = options.ActiveLow;
            l.Edges = options.Edges;
            if (options.Bias == GpioBias.PullUp) l.Level = true;
            if (options.Bias == GpioBias.PullDown) l.Level = false;
            return new Input(this, offset, consumer);
        }
    }

    /// <summary>Drives an input line's physical level from outside (a PIR, a button, a test),
    /// queueing an edge event when the logical level changes in a watched direction.</summary>
    public void SetInputLevel(int offset, bool physicalLevel)
    {
        lock (_gate)
        {
            var l = Get(offset);
            if (l.IsOutput && l.Consumer is not null) throw new GpioException($"{Name}: line {offset} is an output; it cannot be driven from outside");
            if (l.Level == physicalLevel) return;
            l.Level = physicalLevel;
            if (l.Consumer is null) return;
            bool rising = physicalLevel ^ l.ActiveLow;
            if ((rising && l.Edges.HasFlag(GpioEdges.Rising)) || (!rising && l.Edges.HasFlag(GpioEdges.Falling)))
            {
                l.Events.Enqueue(new GpioEdgeEvent(NowNs(), offset, rising, ++l.Sequence));
                l.Signal.Set();
            }
        }
    }

    /// <summary>Monotonic nanoseconds, as the kernel stamps edge events (CLOCK_MONOTONIC).</summary>
    private static long NowNs() => (long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1e9 / System.Diagnostics.Stopwatch.Frequency));

    private Line Get(int offset) => (uint)offset < (uint)_lines.Length
        ? _lines[offset]
        : throw new GpioException($"{Name}: line offset {offset} is out of range (the chip has {_lines.Length} lines, 0..{_lines.Length - 1})");

    private Line Claim(int offset, string consumer)
    {
        var l = Get(offset);
        if (l.Consumer is not null) throw new GpioException($"{Name}: line {offset} is busy (requested by \"{l.Consumer}\")");
        l.Consumer = consumer;
        l.Events.Clear();
        l.Signal.Reset();
        return l;
    }

    private void SetPhysical(int offset, bool level, string consumer, bool force = false)
    {
        var l = _lines[offset];
        if (!force && l.Level == level) return;
        l.Level = level;
        if (_history.Count == HistoryLimit) _history.Dequeue();
        _history.Enqueue((NowNs(), offset, level));
        bool logical = level ^ l.ActiveLow;
        _log?.LogInformation("{Chip}: line {Offset} ({Consumer}) -> {State}", Name, offset, consumer, logical ? "on" : "off");
    }

    private void Release(int offset)
    {
        lock (_gate)
        {
            var l = _lines[offset];
            l.Consumer = null;
            l.IsOutput = false; // the kernel returns released lines to inputs
        }
    }

    public void Dispose() { }

    private sealed class Line
    {
        public string Name = "";
        public string? Consumer;
        public bool IsOutput, ActiveLow, Level;
        public GpioEdges Edges;
        public uint Sequence;
        public readonly Queue<GpioEdgeEvent> Events = new();
        public readonly ManualResetEventSlim Signal = new(false);
    }

    private sealed class Output(SimulatedGpioChip chip, int offset, string consumer) : IGpioOutput
    {
        private bool _released;
        public int Offset => offset;
        public string Consumer => consumer;

        public bool Value
        {
            get { lock (chip._gate) return chip._lines[offset].Level ^ chip._lines[offset].ActiveLow; }
            set
            {
                lock (chip._gate)
                {
                    ObjectDisposedException.ThrowIf(_released, this);
                    chip.SetPhysical(offset, value ^ chip._lines[offset].ActiveLow, consumer);
                }
            }
        }

        public void Dispose()
        {
            if (_released) return;
            _released = true;
            chip.Release(offset);
        }
    }

    private sealed class Input(SimulatedGpioChip chip, int offset, string consumer) : IGpioInput
    {
        private bool _released;
        public int Offset => offset;
        public string Consumer => consumer;

        public bool Read() { lock (chip._gate) return chip._lines[offset].Level ^ chip._lines[offset].ActiveLow; }

        public bool TryReadEvent(out GpioEdgeEvent edge)
        {
            lock (chip._gate)
            {
                var l = chip._lines[offset];
                bool any = l.Events.TryDequeue(out edge);
                if (l.Events.Count == 0) l.Signal.Reset();
                return any;
            }
        }

        public bool WaitForEvent(TimeSpan timeout, CancellationToken cancel)
        {
            try { return chip._lines[offset].Signal.Wait(timeout, cancel); }
            catch (OperationCanceledException) { return false; }
        }

        public void Dispose()
        {
            if (_released) return;
            _released = true;
            chip.Release(offset);
        }
    }
}
