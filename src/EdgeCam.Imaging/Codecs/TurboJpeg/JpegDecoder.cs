using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Codecs.TurboJpeg;

/// <summary>
/// Decodes JPEG with libturbojpeg straight into a caller's buffer (RGB24, BGR24 or Grey8, any
/// stride), so a camera's MJPEG frames need no intermediate copy. One native handle, reused;
/// not thread-safe; disposed once.
/// </summary>
public sealed unsafe class JpegDecoder : IDisposable
{
    private nint _handle;

    public JpegDecoder()
    {
        _handle = TurboJpegNative.InitDecompress();
        if (_handle == 0) throw new InvalidOperationException("libturbojpeg: tjInitDecompress failed");
    }

    /// <summary>Reads the image size from the JPEG header without decoding.</summary>
    public (int Width, int Height) ReadSize(ReadOnlySpan<byte> jpeg, string origin)
    {
        int w, h, subsampling, colorspace;
        fixed (byte* src = jpeg)
        {
            if (TurboJpegNative.DecompressHeader3(Handle, src, (nuint)jpeg.Length, &w, &h, &subsampling, &colorspace) != 0)
                throw new ImageDecodeException($"{origin}: not a readable JPEG ({TurboJpegNative.LastError(Handle)})");
        }
        return (w, h);
    }

    /// <summary>Decodes into <paramref name="destination"/> (at least stride * height bytes).</summary>
    public void Decode(ReadOnlySpan<byte> jpeg, Span<byte> destination, int width, int height, int stride, PixelFormat format, string origin)
    {
        int pixelFormat = TurboJpegNative.PixelFormatOf(format, "decodes to");
        if (stride < width * PixelFormatInfo.BytesPerPixel(format) || destination.Length < (long)stride * height)
            throw new ArgumentException($"destination of {destination.Length} bytes (stride {stride}) is too small for {width}x{height} {format}");
        fixed (byte* src = jpeg)
        fixed (byte* dst = destination)
        {
            int flags = TurboJpegNative.FlagStopOnWarning;
            if (TurboJpegNative.Decompress2(Handle, src, (nuint)jpeg.Length, dst, width, stride, height, pixelFormat, flags) != 0)
            {
                string why = TurboJpegNative.LastError(Handle);
                if (why.Contains("Premature end", StringComparison.OrdinalIgnoreCase)) why = $"truncated JPEG data ({why})";
                throw new ImageDecodeException($"{origin}: {why}");
            }
        }
    }

    private nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(JpegDecoder));

    public void Dispose()
    {
        nint h = Interlocked.Exchange(ref _handle, 0);
        if (h != 0) TurboJpegNative.Destroy(h);
    }
}
