using EdgeCam.Devices.Gpio.Uapi;
using EdgeCam.Devices.Native;
using static EdgeCam.Devices.Gpio.Uapi.GpioUapiConstants;

namespace EdgeCam.Devices.Gpio;

/// <summary>
/// A kernel GPIO chip through its character device (/dev/gpiochipN, uAPI v2). Each requested line
/// is its own kernel line request (an fd): closing it releases the line, which is also what the
/// kernel does when the process dies.
/// </summary>
public sealed unsafe class KernelGpioChip : IGpioChip
{
    private int _fd;

    public string Path { get; }
    public string Name { get; }
    public string Label { get; }
    public int LineCount { get; }
    public bool IsSimulated => false;

    private KernelGpioChip(string path, int fd, in GpioChipInfo info)
    {
        Path = path; _fd = fd;
        fixed (byte* n = info.Name) Name = LibC.FixedString(n, 32);
        fixed (byte* l = info.Label) Label = LibC.FixedString(l, 32);
        LineCount = (int)info.Lines;
    }

    public static KernelGpioChip Open(string path)
    {
        int fd = LibC.Open(path, LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0) throw new GpioException($"{path}: cannot open: {LibC.Describe(LibC.Errno)}");
        GpioChipInfo info;
        if (LibC.IoctlRetry(fd, GetChipInfo, &info) < 0)
        {
            int e = LibC.Errno;
            LibC.Close(fd);
            throw new GpioException($"{path}: GPIO_GET_CHIPINFO failed: {LibC.Describe(e)} (not a GPIO chip?)");
        }
        return new KernelGpioChip(path, fd, info);
    }

    public static IEnumerable<string> ChipPaths() =>
        Directory.Exists("/dev")
            ? Directory.EnumerateFiles("/dev", "gpiochip*").Where(p => int.TryParse(p.AsSpan("/dev/gpiochip".Length), out _))
                .OrderBy(p => int.Parse(p.AsSpan("/dev/gpiochip".Length)))
            : [];

    public GpioLineInfo LineInfo(int offset)
    {
        CheckOffset(offset);
        var info = new GpioV2LineInfo { Offset = (uint)offset };
        if (LibC.IoctlRetry(_fd, GetLineInfoV2, &info) < 0) throw Error($"GPIO_V2_GET_LINEINFO for line {offset}");
        string name = LibC.FixedString(info.Name, 32);
        string consumer = LibC.FixedString(info.Consumer, 32);
        bool used = (info.Flags & FlagUsed) != 0;
        return new GpioLineInfo(offset, name, used ? consumer : null, (info.Flags & FlagOutput) != 0, (info.Flags & FlagActiveLow) != 0, used);
    }

    public int FindLine(string name)
    {
        for (int i = 0; i < LineCount; i++) if (LineInfo(i).Name == name) return i;
        return -1;
    }

    public IGpioOutput RequestOutput(int offset, OutputLineOptions options, string consumer)
    {
        ulong flags = FlagOutput | (options.ActiveLow ? FlagActiveLow : 0) | DriveFlags(options.Drive) | BiasFlags(options.Bias);
        var request = NewRequest(offset, consumer, flags);
        // The initial value is part of the request: the line never shows the other level first.
        request.Config.NumAttrs = 1;
        request.Config.Attrs[0].Attr.Id = AttrIdOutputValues;
        request.Config.Attrs[0].Attr.Values = options.InitialValue ? 1UL : 0UL;
        request.Config.Attrs[0].Mask = 1;
        int fd = Request(ref request, offset, consumer);
        return new KernelLine(this, fd, offset, consumer);
    }

    public IGpioInput RequestInput(int offset, InputLineOptions options, string consumer)
    {
        ulong flags = FlagInput | (options.ActiveLow ? FlagActiveLow : 0) | BiasFlags(options.Bias)
            | (options.Edges.HasFlag(GpioEdges.Rising) ? FlagEdgeRising : 0) | (options.Edges.HasFlag(GpioEdges.Falling) ? FlagEdgeFalling : 0);
        var request = NewRequest(offset, consumer, flags);
        if (options.Debounce > TimeSpan.Zero)
        {
            request.Config.NumAttrs = 1;
            request.Config.Attrs[0].Attr.Id = AttrIdDebounce;
            request.Config.Attrs[0].Attr.DebouncePeriodUs = (uint)Math.Min(uint.MaxValue, options.Debounce.TotalMicroseconds);
            request.Config.Attrs[0].Mask = 1;
        }
        int fd = Request(ref request, offset, consumer);
        return new KernelLine(this, fd, offset, consumer);
    }

    private GpioV2LineRequest NewRequest(int offset, string consumer, ulong flags)
    {
        CheckOffset(offset);
        var request = new GpioV2LineRequest { NumLines = 1 };
        request.Offsets[0] = (uint)offset;
        LibC.CopyFixedString(consumer, request.Consumer, 32);
        request.Config.Flags = flags;
        return request;
    }

    private int Request(ref GpioV2LineRequest request, int offset, string consumer)
    {
        fixed (GpioV2LineRequest* r = &request)
        {
            if (LibC.IoctlRetry(_fd, GetLineV2, r) < 0)
            {
                int e = LibC.Errno;
                string holder = e == 16 ? $" (busy: held by \"{LineInfo(offset).Consumer}\")" : "";
                throw new GpioException($"{Path} ({Name}): cannot request line {offset} for \"{consumer}\": {LibC.Describe(e)}{holder}");
            }
            return r->Fd;
        }
    }

    private static ulong DriveFlags(GpioDrive drive) => drive switch
    {
        GpioDrive.OpenDrain => FlagOpenDrain,
        GpioDrive.OpenSource => FlagOpenSource,
        _ => 0,
    };

    private static ulong BiasFlags(GpioBias bias) => bias switch
    {
        GpioBias.PullUp => FlagBiasPullUp,
        GpioBias.PullDown => FlagBiasPullDown,
        GpioBias.Disabled => FlagBiasDisabled,
        _ => 0,
    };

    private void CheckOffset(int offset)
    {
        if ((uint)offset >= (uint)LineCount)
            throw new GpioException($"{Path} ({Name}): line offset {offset} is out of range (the chip has {LineCount} lines, 0..{LineCount - 1})");
    }

    private GpioException Error(string what) => new($"{Path} ({Name}): {what} failed: {LibC.Describe(LibC.Errno)}");

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) LibC.Close(fd);
    }

    /// <summary>One requested line: an output or an input with edge events, over its request fd.</summary>
    private sealed class KernelLine(KernelGpioChip chip, int fd, int offset, string consumer) : IGpioOutput, IGpioInput
    {
        private int _fd = fd;
        public int Offset => offset;
        public string Consumer => consumer;

        public bool Value
        {
            get => Read();
            set
            {
                var values = new GpioV2LineValues { Bits = value ? 1UL : 0UL, Mask = 1 };
                ObjectDisposedException.ThrowIf(_fd < 0, this);
                if (LibC.IoctlRetry(_fd, LineSetValuesV2, &values) < 0) throw chip.Error($"setting line {offset} ({consumer})");
            }
        }

        public bool Read()
        {
            var values = new GpioV2LineValues { Mask = 1 };
            ObjectDisposedException.ThrowIf(_fd < 0, this);
            if (LibC.IoctlRetry(_fd, LineGetValuesV2, &values) < 0) throw chip.Error($"reading line {offset} ({consumer})");
            return (values.Bits & 1) != 0;
        }

        public bool TryReadEvent(out GpioEdgeEvent edge)
        {
            edge = default;
            if (!Poll(0)) return false;
            GpioV2LineEvent e;
            nint n = LibC.Read(_fd, &e, (nuint)sizeof(GpioV2LineEvent));
            if (n != sizeof(GpioV2LineEvent)) return false;
            edge = new GpioEdgeEvent((long)e.TimestampNs, (int)e.Offset, e.Id == EventRisingEdge, e.LineSeqno);
            return true;
        }

        public bool WaitForEvent(TimeSpan timeout, CancellationToken cancel)
        {
            // Short poll slices so a cancellation is noticed within 50 ms.
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (!cancel.IsCancellationRequested)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0) return false;
                if (Poll((int)Math.Min(left, 50))) return true;
            }
            return false;
        }

        private bool Poll(int timeoutMs)
        {
            if (_fd < 0) return false;
            var pfd = new LibC.PollFd { Fd = _fd, Events = LibC.POLLIN };
            return LibC.Poll(&pfd, 1, timeoutMs) > 0 && (pfd.Revents & LibC.POLLIN) != 0;
        }

        public void Dispose()
        {
            int f = Interlocked.Exchange(ref _fd, -1);
            if (f >= 0) LibC.Close(f);
        }
    }
}
