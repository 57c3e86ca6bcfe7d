using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Codecs.TurboJpeg;

/// <summary>
/// Encodes RGB24/BGR24/Grey8 pixels to JPEG with libturbojpeg into a buffer this encoder owns
/// and reuses (sized by tjBufSize for the worst case, so libturbojpeg never reallocates it).
/// For event snapshots. Not thread-safe.
/// </summary>
public sealed unsafe class JpegEncoder : IDisposable
{
    private nint _handle;
    private byte[] _buffer = [];

    public JpegEncoder()
    {
        _handle = TurboJpegNative.InitCompress();
        if (_handle == 0) throw new InvalidOperationException("libturbojpeg: tjInitCompress failed");
    }

    /// <summary>Returns the JPEG bytes; valid until the next call.</summary>
    public ReadOnlySpan<byte> Encode(ReadOnlySpan<byte> pixels, int width, int height, int stride, PixelFormat format, int quality = 85)
    {
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality is 1..100");
        int pixelFormat = TurboJpegNative.PixelFormatOf(format, "encodes");
        if (pixels.Length < (long)stride * (height - 1) + width * PixelFormatInfo.BytesPerPixel(format))
            throw new ArgumentException($"{pixels.Length} bytes is too small for {width}x{height} {format} at stride {stride}");
        int subsampling = format == PixelFormat.Grey8 ? 3 : TurboJpegNative.Subsampling420;
        int capacity = checked((int)TurboJpegNative.BufSize(width, height, subsampling));
        if (_buffer.Length < capacity) _buffer = GC.AllocateUninitializedArray<byte>(capacity, pinned: true);
        nuint size = (nuint)_buffer.Length;
        fixed (byte* src = pixels)
        fixed (byte* dst = _buffer)
        {
            byte* output = dst;
            if (TurboJpegNative.Compress2(Handle, src, width, stride, height, pixelFormat, &output, &size, subsampling, quality,
                    TurboJpegNative.FlagNoRealloc) != 0)
                throw new InvalidOperationException($"JPEG encoding failed: {TurboJpegNative.LastError(Handle)}");
        }
        return _buffer.AsSpan(0, (int)size);
    }

    private nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(JpegEncoder));

    public void Dispose()
    {
        nint h = Interlocked.Exchange(ref _handle, 0);
        if (h != 0) TurboJpegNative.Destroy(h);
    }
}
