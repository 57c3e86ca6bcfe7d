using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Codecs.TurboJpeg;
using EdgeCam.Imaging.Frames;

namespace EdgeCam.Devices.Video;

/// <summary>
/// Decodes a camera's MJPEG buffers (libturbojpeg) into one RGB24 frame that is reused for every
/// frame: the only copy a compressed stream needs is the decode itself.
/// </summary>
public sealed class MjpegFrameDecoder : IDisposable
{
    private readonly JpegDecoder _jpeg = new();
    private readonly byte[] _rgb;
    public Frame Frame { get; }

    public MjpegFrameDecoder(int width, int height)
    {
        _rgb = new byte[width * height * 3];
        Frame = new Frame(new ArrayFramePixels(_rgb), width, height, width * 3, PixelFormat.Rgb24);
    }

    /// <summary>Decodes one JPEG image of the negotiated size into <see cref="Frame"/>; throws
    /// <see cref="ImageDecodeException"/> for a corrupt or differently sized image.</summary>
    public Frame Decode(ReadOnlySpan<byte> jpeg, string origin)
    {
        var (w, h) = _jpeg.ReadSize(jpeg, origin);
        if (w != Frame.Width || h != Frame.Height)
            throw new ImageDecodeException($"{origin}: MJPEG frame is {w}x{h}, the negotiated size is {Frame.Width}x{Frame.Height}");
        _jpeg.Decode(jpeg, _rgb, w, h, Frame.Stride, PixelFormat.Rgb24, origin);
        return Frame;
    }

    public void Dispose() => _jpeg.Dispose();
}
