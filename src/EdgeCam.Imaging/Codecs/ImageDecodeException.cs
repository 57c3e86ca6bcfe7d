namespace EdgeCam.Imaging.Codecs;

/// <summary>An image that cannot be decoded; the message names the file (or origin) and why, in one line,
/// e.g. "dog.jpg: truncated JPEG data (Premature end of JPEG file)".</summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeException(string message) : base(message) { }

    public ImageDecodeException(string? name, string problem, Exception? inner = null)
        : base(name is null ? problem : $"{name}: {problem}", inner) { }
}
