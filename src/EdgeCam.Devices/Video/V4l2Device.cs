using EdgeCam.Devices.Native;
using EdgeCam.Devices.Video.Uapi;
using static EdgeCam.Devices.Video.Uapi.V4l2Constants;

namespace EdgeCam.Devices.Video;

/// <summary>A V4L2 error with the device path and the failing call; <see cref="Errno"/> tells a
/// vanished device (ENODEV, ENXIO, EIO) from a refused request.</summary>
public sealed class V4l2Exception(string message, int errno = 0) : Exception(message)
{
    public int Errno { get; } = errno;
    public bool DeviceGone => Errno is LibC.ENODEV or LibC.ENXIO or LibC.EIO or LibC.ENOENT;
}

public sealed record V4l2FormatInfo(uint FourCc, string Description, IReadOnlyList<string> Sizes)
{
    public string Name => V4l2Formats.Name(FourCc);
}

/// <summary>The format a device agreed to, as read back with G_FMT.</summary>
public readonly record struct V4l2NegotiatedFormat(uint FourCc, int Width, int Height, int BytesPerLine, int SizeImage);

/// <summary>
/// One open /dev/videoN: capability query, format and size enumeration, format negotiation. The
/// streaming ring is <see cref="V4l2BufferRing"/>. The fd is non-blocking: waiting is done with poll.
/// </summary>
public sealed unsafe class V4l2Device : IDisposable
{
    private int _fd;

    public string Path { get; }
    public string Driver { get; }
    public string Card { get; }
    public string BusInfo { get; }
    public uint DeviceCaps { get; }
    internal int Fd => _fd;

    public bool CanCaptureAndStream => (DeviceCaps & CapVideoCapture) != 0 && (DeviceCaps & CapStreaming) != 0;

    private V4l2Device(string path, int fd, in V4l2Capability cap)
    {
        Path = path; _fd = fd;
        fixed (byte* d = cap.Driver) Driver = LibC.FixedString(d, 16);
        fixed (byte* c = cap.Card) Card = LibC.FixedString(c, 32);
        fixed (byte* b = cap.BusInfo) BusInfo = LibC.FixedString(b, 32);
        DeviceCaps = (cap.Capabilities & CapDeviceCaps) != 0 ? cap.DeviceCaps : cap.Capabilities;
    }

    public static V4l2Device Open(string path)
    {
        int fd = LibC.Open(path, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0) { int e = LibC.Errno; throw new V4l2Exception($"{path}: cannot open: {LibC.Describe(e)}", e); }
        V4l2Capability cap;
        if (LibC.IoctlRetry(fd, QueryCap, &cap) < 0)
        {
            int e = LibC.Errno;
            LibC.Close(fd);
            throw new V4l2Exception($"{path}: VIDIOC_QUERYCAP failed: {LibC.Describe(e)} (not a V4L2 device?)", e);
        }
        return new V4l2Device(path, fd, cap);
    }

    /// <summary>Capture formats the device offers, each with its frame sizes ("640x480", or "16x16..1920x1080 step 2x2").</summary>
    public List<V4l2FormatInfo> EnumerateFormats()
    {
        var list = new List<V4l2FormatInfo>();
        for (uint i = 0; ; i++)
        {
            var desc = new V4l2FmtDesc { Index = i, Type = BufTypeVideoCapture };
            if (LibC.IoctlRetry(_fd, EnumFmt, &desc) < 0) break;
            list.Add(new V4l2FormatInfo(desc.PixelFormat, LibC.FixedString(desc.Description, 32), EnumerateSizes(desc.PixelFormat)));
        }
        return list;
    }

    private List<string> EnumerateSizes(uint fourcc)
    {
        var sizes = new List<string>();
        foreach (var s in FrameSizes(fourcc))
            sizes.Add(s.Discrete ? $"{s.MinWidth}x{s.MinHeight}" : $"{s.MinWidth}x{s.MinHeight}..{s.MaxWidth}x{s.MaxHeight} step {s.StepWidth}x{s.StepHeight}");
        return sizes;
    }

    public readonly record struct FrameSizeRange(bool Discrete, uint MinWidth, uint MinHeight, uint MaxWidth, uint MaxHeight, uint StepWidth, uint StepHeight);

    public List<FrameSizeRange> FrameSizes(uint fourcc)
    {
        var list = new List<FrameSizeRange>();
        for (uint i = 0; ; i++)
        {
            var e = new V4l2FrameSizeEnum { Index = i, PixelFormat = fourcc };
            if (LibC.IoctlRetry(_fd, EnumFrameSizes, &e) < 0) break;
            if (e.Type == FrameSizeDiscrete)
                list.Add(new FrameSizeRange(true, e.DiscreteWidth, e.DiscreteHeight, e.DiscreteWidth, e.DiscreteHeight, 1, 1));
            else
            {
                list.Add(new FrameSizeRange(false, e.MinWidth, e.MinHeight, e.MaxWidth, e.MaxHeight, Math.Max(1, e.StepWidth), Math.Max(1, e.StepHeight)));
                break; // stepwise/continuous: one entry describes all
            }
        }
        return list;
    }

    /// <summary>
    /// Picks among the device's formats the one the preprocessor reads (the preferred fourcc when
    /// offered, else the first of <see cref="V4l2Formats.Supported"/>), the frame size nearest to
    /// the wanted one, sets it, and reads back what the driver really chose (size, stride).
    /// </summary>
    public V4l2NegotiatedFormat Negotiate(int wantWidth, int wantHeight, uint? preferred)
    {
        var offered = new HashSet<uint>();
        for (uint i = 0; ; i++)
        {
            var desc = new V4l2FmtDesc { Index = i, Type = BufTypeVideoCapture };
            if (LibC.IoctlRetry(_fd, EnumFmt, &desc) < 0) break;
            offered.Add(desc.PixelFormat);
        }
        uint fourcc = 0;
        if (preferred is { } p && offered.Contains(p)) fourcc = p;
        else foreach (var (code, _) in V4l2Formats.Supported) if (offered.Contains(code)) { fourcc = code; break; }
        if (fourcc == 0 && offered.Contains(V4l2Formats.Mjpeg)) fourcc = V4l2Formats.Mjpeg;
        if (fourcc == 0)
            throw new V4l2Exception($"{Path}: none of the device's formats ({string.Join(", ", offered.Select(V4l2Formats.Name))}) is one EdgeCam reads " +
                $"({string.Join(", ", V4l2Formats.Supported.Select(s => V4l2Formats.Name(s.FourCc)))}, MJPG)");

        var (w, h) = NearestSize(FrameSizes(fourcc), wantWidth, wantHeight);
        var fmt = new V4l2Format { Type = BufTypeVideoCapture };
        fmt.Pix.Width = (uint)w; fmt.Pix.Height = (uint)h; fmt.Pix.PixelFormat = fourcc; fmt.Pix.Field = FieldNone;
        if (LibC.IoctlRetry(_fd, SetFormat, &fmt) < 0) Fail("VIDIOC_S_FMT");
        var got = new V4l2Format { Type = BufTypeVideoCapture };
        if (LibC.IoctlRetry(_fd, GetFormat, &got) < 0) Fail("VIDIOC_G_FMT");
        if (!V4l2Formats.IsReadable(got.Pix.PixelFormat))
            throw new V4l2Exception($"{Path}: asked for {V4l2Formats.Name(fourcc)} but the driver chose {V4l2Formats.Name(got.Pix.PixelFormat)}");
        return new V4l2NegotiatedFormat(got.Pix.PixelFormat, (int)got.Pix.Width, (int)got.Pix.Height, (int)got.Pix.BytesPerLine, (int)got.Pix.SizeImage);
    }

    /// <summary>The size among the device's sizes nearest to the wanted one (by area difference, then aspect).</summary>
    public static (int Width, int Height) NearestSize(IReadOnlyList<FrameSizeRange> sizes, int wantWidth, int wantHeight)
    {
        if (sizes.Count == 0) return (wantWidth, wantHeight); // driver did not enumerate: let S_FMT adjust
        (int W, int H) best = (wantWidth, wantHeight);
        long bestScore = long.MaxValue;
        foreach (var s in sizes)
        {
            int w = (int)Math.Clamp((uint)wantWidth, s.MinWidth, s.MaxWidth);
            int h = (int)Math.Clamp((uint)wantHeight, s.MinHeight, s.MaxHeight);
            if (!s.Discrete)
            {
                w = (int)(s.MinWidth + (w - s.MinWidth) / s.StepWidth * s.StepWidth);
                h = (int)(s.MinHeight + (h - s.MinHeight) / s.StepHeight * s.StepHeight);
            }
            long score = Math.Abs((long)w * h - (long)wantWidth * wantHeight) + Math.Abs(w - wantWidth) + Math.Abs(h - wantHeight);
            if (score < bestScore) { bestScore = score; best = (w, h); }
        }
        return best;
    }

    internal void Fail(string call)
    {
        int e = LibC.Errno;
        throw new V4l2Exception($"{Path}: {call} failed: {LibC.Describe(e)}", e);
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) LibC.Close(fd);
    }
}
