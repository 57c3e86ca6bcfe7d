using System.Runtime.InteropServices;

namespace EdgeCam.Tests.Preprocessing;

/// <summary>OpenCV 4.6 (Debian) behind tests/native/reference_ops.cpp, built by scripts/setup-native-reference.sh.</summary>
internal static unsafe class OpenCvReference
{
    private static readonly nint Library = Load();

    private static nint Load()
    {
        string path = Path.Combine(TestAssets.Cache, "native", "libedgecam_reference.so");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: run scripts/setup-native-reference.sh", path);
        return NativeLibrary.Load(path);
    }

    public static void YuvToRgb(byte[] src, int width, int height, int stride, bool nv12, byte[] rgb)
    {
        var f = (delegate* unmanaged<byte*, int, int, int, int, byte*, int>)NativeLibrary.GetExport(Library, "ref_ocv_yuv_to_rgb");
        fixed (byte* s = src) fixed (byte* d = rgb)
            if (f(s, width, height, stride, nv12 ? 1 : 0, d) != 0) throw new InvalidOperationException("cvtColor failed");
    }

    /// <summary>The benchmark's whole libyuv (or OpenCV) composition: YUYV/NV12 frame -> float tensor.</summary>
    public static void Pipeline(string which, byte[] src, int width, int height, bool nv12, int outW, int outH, bool nchw, float scale, float offset, float[] tensor)
    {
        var f = (delegate* unmanaged<byte*, int, int, int, int, int, int, int, float, float, float*, int>)NativeLibrary.GetExport(Library, which);
        fixed (byte* s = src) fixed (float* t = tensor)
            if (f(s, width, height, nv12 ? width : width * 2, nv12 ? 1 : 0, outW, outH, nchw ? 1 : 0, scale, offset, t) != 0)
                throw new InvalidOperationException($"{which} failed");
    }

    public static void ResizeLinear(byte[] src, int width, int height, int stride, int channels, byte[] dst, int dstWidth, int dstHeight)
    {
        var f = (delegate* unmanaged<byte*, int, int, int, int, byte*, int, int, int>)NativeLibrary.GetExport(Library, "ref_ocv_resize_linear");
        fixed (byte* s = src) fixed (byte* d = dst)
            if (f(s, width, height, stride, channels, d, dstWidth, dstHeight) != 0) throw new InvalidOperationException("resize failed");
    }
}
