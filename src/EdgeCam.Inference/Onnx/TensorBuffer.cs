using System.Runtime.InteropServices;

namespace EdgeCam.Inference.Onnx;

/// <summary>
/// A tensor whose memory EdgeCam owns: 64-byte aligned native memory (never moved by the GC,
/// so ORT may keep a pointer to it) wrapped once in an OrtValue and reused for every run.
/// Fill inputs through <see cref="Bytes"/> or <see cref="AsSpan{T}"/>; outputs ORT writes in place.
/// </summary>
public sealed unsafe class TensorBuffer : IDisposable
{
    private void* _data;
    private nint _value;

    public string Name { get; }
    public TensorElementType ElementType { get; }
    public long[] Shape { get; }
    public int ByteLength { get; }
    public long ElementCount { get; }

    internal nint Value => _value != 0 ? _value : throw new ObjectDisposedException(Name);

    internal TensorBuffer(string name, TensorElementType type, long[] shape, nint memoryInfo)
    {
        int elementSize = TensorElementTypes.SizeOf(type);
        if (elementSize == 0)
            throw new OrtException(OrtErrorCode.NotImplemented, $"tensor '{name}' has element type {TensorElementTypes.Name(type)}, which EdgeCam cannot hold as raw bytes", null);
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new OrtException(OrtErrorCode.InvalidArgument, $"tensor '{name}' shape {NodeInfo.FormatShape(shape)} has an unknown dimension; give its size", null);
            count *= d;
        }
        long bytes = count * elementSize;
        if (bytes > int.MaxValue) throw new OrtException(OrtErrorCode.InvalidArgument, $"tensor '{name}' of {bytes} bytes is too large", null);
        Name = name; ElementType = type; Shape = shape; ElementCount = count; ByteLength = (int)bytes;
        _data = NativeMemory.AlignedAlloc((nuint)Math.Max(ByteLength, 1), 64);
        NativeMemory.Clear(_data, (nuint)Math.Max(ByteLength, 1));
        nint value;
        fixed (long* dims = shape)
        {
            nint status = OrtApi.CreateTensorWithDataAsOrtValue(memoryInfo, _data, (nuint)ByteLength, dims, (nuint)shape.Length, type, &value);
            if (status != 0)
            {
                NativeMemory.AlignedFree(_data);
                _data = null;
                OrtStatus.Check(status);
            }
        }
        _value = value;
    }

    public Span<byte> Bytes => _data != null ? new Span<byte>(_data, ByteLength) : throw new ObjectDisposedException(Name);

    /// <summary>The elements as <typeparamref name="T"/>; the caller picks the type matching <see cref="ElementType"/>.</summary>
    public Span<T> AsSpan<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes);

    public void Dispose()
    {
        nint v = Interlocked.Exchange(ref _value, 0);
        if (v != 0) OrtApi.ReleaseValue(v);
        if (_data != null) NativeMemory.AlignedFree(_data);
        _data = null;
    }
}
