namespace EdgeCam.Imaging.Codecs;

/// <summary>An image that cannot be decoded; the message names the file (or origin) and why, in one line.</summary>
public sealed class ImageDecodeException(string message) : Exception(message);
