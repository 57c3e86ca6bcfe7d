using System.Runtime.InteropServices;
using System.Text;

namespace EdgeCam.Inference.Onnx;

/// <summary>A NUL-terminated UTF-8 copy of a string in native memory, for C APIs that take
/// const char*. Used at set-up time only (never per frame).</summary>
internal unsafe ref struct Utf8String
{
    private byte* _ptr;

    public Utf8String(string? value)
    {
        if (value is null) { _ptr = null; return; }
        int n = Encoding.UTF8.GetByteCount(value);
        _ptr = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(_ptr, n));
        _ptr[n] = 0;
    }

    public readonly byte* Pointer => _ptr;

    public void Dispose()
    {
        if (_ptr != null) NativeMemory.Free(_ptr);
        _ptr = null;
    }
}
