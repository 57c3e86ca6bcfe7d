using System.Runtime.InteropServices;

namespace EdgeCam.Bench;

/// <summary>libyuv, OpenCV and memcpy compositions from tests/native/reference_ops.cpp (built by
/// scripts/setup-native-reference.sh), called in this process on the same frames.</summary>
internal static unsafe class NativeReference
{
    private static readonly nint Library = NativeLibrary.Load(Path.Combine(
        Environment.GetEnvironmentVariable("EDGECAM_CACHE") is { Length: > 0 } c ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "edgecam"),
        "native", "libedgecam_reference.so"));

    private static readonly delegate* unmanaged<byte*, int, int, int, int, int, int, int, float, float, float*, int> OpenCv =
        (delegate* unmanaged<byte*, int, int, int, int, int, int, int, float, float, float*, int>)NativeLibrary.GetExport(Library, "ref_ocv_pipeline");
    private static readonly delegate* unmanaged<byte*, int, int, int, int, int, int, int, float, float, float*, int> LibYuv =
        (delegate* unmanaged<byte*, int, int, int, int, int, int, int, float, float, float*, int>)NativeLibrary.GetExport(Library, "ref_yuv_pipeline");
    private static readonly delegate* unmanaged<byte*, int, int, int, int, int, int, int, float, float, float*, int> LibYuvBox =
        (delegate* unmanaged<byte*, int, int, int, int, int, int, int, float, float, float*, int>)NativeLibrary.GetExport(Library, "ref_yuv_box_pipeline");
    private static readonly delegate* unmanaged<void*, void*, nuint, void> MemCpy =
        (delegate* unmanaged<void*, void*, nuint, void>)NativeLibrary.GetExport(Library, "ref_memcpy");

    public static void OpenCvPipeline(byte[] src, int w, int h, bool nv12, int ow, int oh, bool nchw, float scale, float offset, float[] tensor)
    {
        fixed (byte* s = src) fixed (float* t = tensor)
            if (OpenCv(s, w, h, nv12 ? w : w * 2, nv12 ? 1 : 0, ow, oh, nchw ? 1 : 0, scale, offset, t) != 0) throw new InvalidOperationException("OpenCV pipeline failed");
    }

    public static void LibYuvPipeline(byte[] src, int w, int h, bool nv12, int ow, int oh, bool nchw, float scale, float offset, float[] tensor)
    {
        fixed (byte* s = src) fixed (float* t = tensor)
            if (LibYuv(s, w, h, nv12 ? w : w * 2, nv12 ? 1 : 0, ow, oh, nchw ? 1 : 0, scale, offset, t) != 0) throw new InvalidOperationException("libyuv pipeline failed");
    }

    public static void LibYuvBoxPipeline(byte[] src, int w, int h, bool nv12, int ow, int oh, bool nchw, float scale, float offset, float[] tensor)
    {
        fixed (byte* s = src) fixed (float* t = tensor)
            if (LibYuvBox(s, w, h, nv12 ? w : w * 2, nv12 ? 1 : 0, ow, oh, nchw ? 1 : 0, scale, offset, t) != 0) throw new InvalidOperationException("libyuv box pipeline failed");
    }

    public static void Copy(byte[] src, byte[] dst)
    {
        fixed (byte* s = src) fixed (byte* d = dst) MemCpy(d, s, (nuint)src.Length);
    }
}
