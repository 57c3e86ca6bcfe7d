using EdgeCam.Devices.Native;
using EdgeCam.Devices.Video.Uapi;
using EdgeCam.Imaging.Frames;
using static EdgeCam.Devices.Video.Uapi.V4l2Constants;

namespace EdgeCam.Devices.Video;

/// <summary>Frame pixels that live in a buffer the kernel mapped into our address space.</summary>
public sealed unsafe class MappedFramePixels(byte* start, int capacity) : FramePixels
{
    public int Length { get; set; } = capacity;
    public override ReadOnlySpan<byte> Span => new(start, Length);
}

/// <summary>
/// The mmap streaming ring of one device: REQBUFS, QUERYBUF + mmap each buffer, queue them all,
/// STREAMON. A dequeued buffer is handed out as a <see cref="Frame"/> over the mapped memory (no
/// copy); it goes back to the driver with <see cref="Queue"/>. Compressed formats (MJPEG) have no
/// frames here, only <see cref="Bytes"/> for the decoder.
/// </summary>
internal sealed unsafe class V4l2BufferRing : IDisposable
{
    private readonly V4l2Device _device;
    private readonly byte*[] _maps;
    private readonly uint[] _lengths;
    private readonly MappedFramePixels[] _pixels;
    public Frame[] Frames { get; }
    private bool _streaming;

    public V4l2BufferRing(V4l2Device device, V4l2NegotiatedFormat format, int count)
    {
        _device = device;
        var req = new V4l2RequestBuffers { Count = (uint)count, Type = BufTypeVideoCapture, Memory = MemoryMmap };
        if (LibC.IoctlRetry(device.Fd, RequestBuffers, &req) < 0) device.Fail("VIDIOC_REQBUFS");
        if (req.Count < 2) throw new V4l2Exception($"{device.Path}: the driver granted {req.Count} buffer(s); at least 2 are needed to stream");
        int n = (int)req.Count;
        _maps = new byte*[n];
        _lengths = new uint[n];
        _pixels = new MappedFramePixels[n];
        Frames = new Frame[n];
        var pixelFormat = V4l2Formats.ToPixelFormat(format.FourCc);
        try
        {
            for (int i = 0; i < n; i++)
            {
                var buf = new V4l2Buffer { Index = (uint)i, Type = BufTypeVideoCapture, Memory = MemoryMmap };
                if (LibC.IoctlRetry(device.Fd, QueryBuffer, &buf) < 0) device.Fail("VIDIOC_QUERYBUF");
                void* map = LibC.Mmap(null, buf.Length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, device.Fd, buf.Offset);
                if (map == (void*)-1) device.Fail("mmap");
                _maps[i] = (byte*)map;
                _lengths[i] = buf.Length;
                _pixels[i] = new MappedFramePixels((byte*)map, (int)buf.Length);
                if (pixelFormat is { } raw)
                    Frames[i] = new Frame(_pixels[i], format.Width, format.Height, format.BytesPerLine, raw) { Origin = device.Path };
            }
            for (int i = 0; i < n; i++) Queue(i);
            int type = (int)BufTypeVideoCapture;
            if (LibC.IoctlRetry(device.Fd, StreamOn, &type) < 0) device.Fail("VIDIOC_STREAMON");
            _streaming = true;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Count => Frames.Length;

    /// <summary>The bytes the driver filled in buffer <paramref name="index"/> (valid until it is queued again).</summary>
    public ReadOnlySpan<byte> Bytes(int index) => _pixels[index].Span;

    public void Queue(int index)
    {
        var buf = new V4l2Buffer { Index = (uint)index, Type = BufTypeVideoCapture, Memory = MemoryMmap };
        if (LibC.IoctlRetry(_device.Fd, QueueBuffer, &buf) < 0) _device.Fail("VIDIOC_QBUF");
    }

    /// <summary>Takes a filled buffer if one is ready (false when none is: EAGAIN). Buffers the
    /// driver flagged as corrupt are requeued and reported through <paramref name="corrupt"/>.</summary>
    public bool TryDequeue(out int index, out uint sequence, out long timestampNs, out bool corrupt)
    {
        var buf = new V4l2Buffer { Type = BufTypeVideoCapture, Memory = MemoryMmap };
        if (LibC.IoctlRetry(_device.Fd, DequeueBuffer, &buf) < 0)
        {
            if (LibC.Errno == LibC.EAGAIN) { index = -1; sequence = 0; timestampNs = 0; corrupt = false; return false; }
            _device.Fail("VIDIOC_DQBUF");
        }
        index = (int)buf.Index;
        sequence = buf.Sequence;
        timestampNs = buf.TimestampSec * 1_000_000_000L + buf.TimestampUsec * 1000L;
        corrupt = (buf.Flags & BufFlagError) != 0;
        _pixels[index].Length = (int)Math.Min(buf.BytesUsed == 0 ? _lengths[index] : buf.BytesUsed, _lengths[index]);
        return true;
    }

    public int IndexOf(Frame frame)
    {
        for (int i = 0; i < Frames.Length; i++) if (ReferenceEquals(Frames[i], frame)) return i;
        return -1;
    }

    /// <summary>Stops streaming and unmaps; errors are ignored because the device may already be gone.</summary>
    public void Dispose()
    {
        if (_streaming)
        {
            int type = (int)BufTypeVideoCapture;
            LibC.IoctlRetry(_device.Fd, StreamOff, &type);
            _streaming = false;
        }
        for (int i = 0; i < _maps.Length; i++)
        {
            if (_maps[i] != null) LibC.Munmap(_maps[i], _lengths[i]);
            _maps[i] = null;
        }
        var req = new V4l2RequestBuffers { Count = 0, Type = BufTypeVideoCapture, Memory = MemoryMmap };
        LibC.IoctlRetry(_device.Fd, RequestBuffers, &req);
    }
}
