using System.Runtime.InteropServices;

namespace EdgeCam.Imaging.Codecs.TurboJpeg;

/// <summary>
/// The TurboJPEG 2.x C API (turbojpeg.h) of Debian's libturbojpeg0, bound 1:1. `unsigned long`
/// is 64-bit on the LP64 Linux targets (x86_64, arm64), hence nuint.
/// </summary>
internal static unsafe partial class TurboJpegNative
{
    private const string Library = "libturbojpeg.so.0";

    // Pixel formats (enum TJPF).
    public const int PixelFormatRgb = 0;
    public const int PixelFormatBgr = 1;
    public const int PixelFormatGray = 6;

    // Chrominance subsampling (enum TJSAMP).
    public const int Subsampling444 = 0;
    public const int Subsampling420 = 2;

    // Flags.
    /// <summary>Turn libjpeg warnings (e.g. "Premature end of JPEG file") into errors: a truncated
    /// frame must not pass as a picture with a grey bottom half.</summary>
    public const int FlagStopOnWarning = 8192;
    /// <summary>Fail instead of reallocating a destination buffer we own.</summary>
    public const int FlagNoRealloc = 1024;

    [LibraryImport(Library, EntryPoint = "tjInitDecompress")]
    public static partial nint InitDecompress();

    [LibraryImport(Library, EntryPoint = "tjInitCompress")]
    public static partial nint InitCompress();

    [LibraryImport(Library, EntryPoint = "tjDestroy")]
    public static partial int Destroy(nint handle);

    [LibraryImport(Library, EntryPoint = "tjDecompressHeader3")]
    public static partial int DecompressHeader3(nint handle, byte* jpeg, nuint jpegSize, int* width, int* height, int* subsampling, int* colorspace);

    [LibraryImport(Library, EntryPoint = "tjDecompress2")]
    public static partial int Decompress2(nint handle, byte* jpeg, nuint jpegSize, byte* destination, int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library, EntryPoint = "tjCompress2")]
    public static partial int Compress2(nint handle, byte* source, int width, int pitch, int height, int pixelFormat,
        byte** jpeg, nuint* jpegSize, int subsampling, int quality, int flags);

    [LibraryImport(Library, EntryPoint = "tjBufSize")]
    public static partial nuint BufSize(int width, int height, int subsampling);

    [LibraryImport(Library, EntryPoint = "tjGetErrorStr2")]
    public static partial byte* GetErrorStr2(nint handle);

    /// <summary>The TJPF value for the formats TurboJPEG reads and writes here.</summary>
    public static int PixelFormatOf(Imaging.Frames.PixelFormat format, string verb) => format switch
    {
        Imaging.Frames.PixelFormat.Rgb24 => PixelFormatRgb,
        Imaging.Frames.PixelFormat.Bgr24 => PixelFormatBgr,
        Imaging.Frames.PixelFormat.Grey8 => PixelFormatGray,
        _ => throw new ArgumentException($"JPEG {verb} RGB24, BGR24 or Grey8, not {format}", nameof(format)),
    };

    public static string LastError(nint handle) => Marshal.PtrToStringUTF8((nint)GetErrorStr2(handle)) ?? "unknown TurboJPEG error";
}
