using System.Diagnostics;
using EdgeCam.Devices.Native;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Sources;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Devices.Video;

/// <summary>What to open and how: a device path or a card/bus/driver name, the wanted size and format.</summary>
public sealed record V4l2CameraOptions(string Device, int Width = 640, int Height = 480, string? Format = null, int Buffers = 4,
    TimeSpan StallTimeout = default, TimeSpan MaxBackoff = default)
{
    public TimeSpan Stall => StallTimeout > TimeSpan.Zero ? StallTimeout : TimeSpan.FromSeconds(3);
    public TimeSpan Backoff => MaxBackoff > TimeSpan.Zero ? MaxBackoff : TimeSpan.FromSeconds(1);
}

/// <summary>
/// A V4L2 webcam as a pull frame source. Frames are the driver's mmap buffers (no copy); the
/// newest ready buffer is handed out and older ready ones go straight back to the driver, counted
/// as dropped, as are gaps in the driver's sequence numbers. When the device disappears (ENODEV,
/// unplug, module unload) or stalls, the loss is logged once, the device is closed and reopened
/// with backoff until it returns; streaming then resumes by itself.
/// </summary>
public sealed class V4l2CameraSource : IFrameSource
{
    private readonly V4l2CameraOptions _options;
    private readonly ILogger _log;
    private readonly uint? _preferredFormat;
    private V4l2Device? _device;
    private V4l2BufferRing? _ring;
    private MjpegFrameDecoder? _mjpeg;
    private long _lastKernelSequence = -1;
    private long _sequenceBase;
    private long _lastSequence = -1;
    private long _dropped;
    private long _lostAt = -1;
    private int _reopenFailures;
    private long _outages;

    public string Description { get; private set; }
    public double FramesPerSecond => 0;
    public long DroppedFrames => Interlocked.Read(ref _dropped);
    /// <summary>How many times the device was lost (disappeared or stalled) and reopened.</summary>
    public long Outages => Interlocked.Read(ref _outages);
    public V4l2NegotiatedFormat Format { get; private set; }
    public bool IsOpen => _ring is not null;

    public V4l2CameraSource(V4l2CameraOptions options, ILogger log)
    {
        _options = options;
        _log = log;
        if (options.Format is { } f)
            _preferredFormat = V4l2Formats.Parse(f) ?? throw new V4l2Exception($"camera format \"{f}\" is not one EdgeCam reads " +
                $"({string.Join(", ", V4l2Formats.Supported.Select(s => V4l2Formats.Name(s.FourCc)))})");
        Description = $"V4L2 camera {options.Device}";
        Open(); // the first open must succeed: a wrong device at start is a configuration error, not an outage
    }

    public Frame? Next(CancellationToken cancel)
    {
        long waitStart = Stopwatch.GetTimestamp();
        while (!cancel.IsCancellationRequested)
        {
            if (_ring is null)
            {
                if (!TryReopen(cancel)) continue;
                waitStart = Stopwatch.GetTimestamp();
            }
            try
            {
                switch (WaitReadable(100))
                {
                    case Readiness.Gone: Lose("the device reported an error or hang-up"); continue;
                    case Readiness.Timeout:
                        if (Stopwatch.GetElapsedTime(waitStart) >= _options.Stall) Lose($"no frame for {_options.Stall.TotalSeconds:0.#} s (stalled)");
                        continue;
                }
                if (!_ring!.TryDequeue(out int index, out uint seq, out long ts, out bool corrupt)) continue;
                // Newest first: older buffers that are also ready go back to the driver, counted as dropped.
                while (_ring.TryDequeue(out int newer, out uint newerSeq, out long newerTs, out bool newerCorrupt))
                {
                    _ring.Queue(index);
                    Interlocked.Increment(ref _dropped);
                    (index, seq, ts, corrupt) = (newer, newerSeq, newerTs, newerCorrupt);
                }
                if (corrupt) { _ring.Queue(index); Interlocked.Increment(ref _dropped); continue; }
                var frame = _mjpeg is null ? _ring.Frames[index] : DecodeAndRequeue(index);
                if (frame is null) { Interlocked.Increment(ref _dropped); continue; }
                CountGap(seq);
                frame.Sequence = _lastSequence;
                frame.TimestampNs = ts;
                if (_lostAt >= 0)
                {
                    _log.LogInformation("camera back, streaming again {Seconds:0.0} s after it was lost: {Description}",
                        Stopwatch.GetElapsedTime(_lostAt).TotalSeconds, Description);
                    _lostAt = -1;
                }
                return frame;
            }
            catch (V4l2Exception e) when (e.DeviceGone)
            {
                Lose(e.Message);
            }
        }
        return null;
    }

    /// <summary>MJPEG: decodes the buffer into the decoder's frame and gives the buffer straight back
    /// to the driver; a corrupt JPEG (common on USB glitches) is null, counted as a drop.</summary>
    private Frame? DecodeAndRequeue(int index)
    {
        try { return _mjpeg!.Decode(_ring!.Bytes(index), _device!.Path); }
        catch (Imaging.Codecs.ImageDecodeException e)
        {
            _log.LogDebug("camera {Device}: dropped a corrupt MJPEG frame: {Error}", _options.Device, e.Message);
            return null;
        }
        finally { _ring!.Queue(index); }
    }

    public void Release(Frame frame)
    {
        if (_mjpeg is not null && ReferenceEquals(frame, _mjpeg.Frame)) return; // its buffer went back at decode
        if (_ring is null) return; // the device went away while the frame was out; its ring is gone
        int index = _ring.IndexOf(frame);
        if (index < 0) return; // a frame of a previous ring
        try { _ring.Queue(index); }
        catch (V4l2Exception e) when (e.DeviceGone) { Lose(e.Message); }
    }

    private void CountGap(uint kernelSequence)
    {
        if (_lastKernelSequence >= 0 && kernelSequence > _lastKernelSequence + 1)
            Interlocked.Add(ref _dropped, kernelSequence - _lastKernelSequence - 1);
        long step = _lastKernelSequence >= 0 && kernelSequence > _lastKernelSequence ? kernelSequence - _lastKernelSequence : 1;
        _lastKernelSequence = kernelSequence;
        _lastSequence = _lastSequence < 0 ? _sequenceBase + kernelSequence : _lastSequence + step;
    }

    private enum Readiness { Ready, Timeout, Gone }

    private unsafe Readiness WaitReadable(int timeoutMs)
    {
        var pfd = new LibC.PollFd { Fd = _device!.Fd, Events = LibC.POLLIN };
        int rc = LibC.Poll(&pfd, 1, timeoutMs);
        if (rc < 0) return LibC.Errno == LibC.EINTR ? Readiness.Timeout : Readiness.Gone;
        if (rc == 0) return Readiness.Timeout;
        if ((pfd.Revents & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0 && (pfd.Revents & LibC.POLLIN) == 0) return Readiness.Gone;
        return Readiness.Ready;
    }

    private void Open()
    {
        var device = V4l2Catalog.OpenBySpec(_options.Device);
        try
        {
            if (!device.CanCaptureAndStream)
                throw new V4l2Exception($"{device.Path} ({device.Card}): not a streaming capture device");
            Format = device.Negotiate(_options.Width, _options.Height, _preferredFormat);
            if (Format.FourCc == V4l2Formats.Mjpeg && (_mjpeg is null || _mjpeg.Frame.Width != Format.Width || _mjpeg.Frame.Height != Format.Height))
            {
                _mjpeg?.Dispose();
                _mjpeg = new MjpegFrameDecoder(Format.Width, Format.Height);
            }
            _ring = new V4l2BufferRing(device, Format, _options.Buffers);
            _device = device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
        _lastKernelSequence = -1;
        Description = $"V4L2 camera {_device.Path} \"{_device.Card}\" {V4l2Formats.Name(Format.FourCc)} {Format.Width}x{Format.Height} " +
            $"stride {Format.BytesPerLine}, {_ring.Count} buffers";
    }

    /// <summary>Closes the device after a loss or stall. Logged once per outage: a camera that stays
    /// stalled after reopening is the same outage, not a new one every stall period.</summary>
    private void Lose(string why)
    {
        if (_lostAt < 0)
        {
            _log.LogWarning("camera {Device} lost: {Why}; reopening with backoff until it returns", _options.Device, why);
            Interlocked.Increment(ref _outages);
            _lostAt = Stopwatch.GetTimestamp();
        }
        else _log.LogDebug("camera {Device} still unavailable: {Why}", _options.Device, why);
        Close();
        _reopenFailures = 0;
        if (_lastSequence >= 0) _sequenceBase = _lastSequence + 1; // frame numbers keep rising across outages
        _lastSequence = -1;
    }

    private bool TryReopen(CancellationToken cancel)
    {
        // Backoff 100 ms, 200 ms, ... up to MaxBackoff: quick to resume, quiet while the device is away.
        if (_reopenFailures > 0)
        {
            var delay = TimeSpan.FromMilliseconds(Math.Min(_options.Backoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(_reopenFailures - 1, 10))));
            cancel.WaitHandle.WaitOne(delay);
            if (cancel.IsCancellationRequested) return false;
        }
        try
        {
            Open();
            _log.LogDebug("camera reopened: {Description}", Description);
            return true;
        }
        catch (V4l2Exception e)
        {
            if (_reopenFailures == 0) _log.LogDebug("camera {Device} not back yet: {Error}", _options.Device, e.Message);
            _reopenFailures++;
            Close();
            return false;
        }
    }

    private void Close()
    {
        _ring?.Dispose();
        _ring = null;
        _device?.Dispose();
        _device = null;
    }

    public void Dispose()
    {
        Close();
        _mjpeg?.Dispose();
    }
}
