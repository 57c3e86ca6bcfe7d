using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Release;
using System.Runtime.InteropServices;
using EdgeCam.ModelTool.Onnx.Proto;
using Google.Protobuf;
using DataType = EdgeCam.ModelTool.Onnx.Proto.TensorProto.Types.DataType;

namespace EdgeCam.ModelTool.Onnx;

/// <summary>Values of initializers, in and out of TensorProto (raw_data or the typed fields).</summary>
public static class TensorData
{
    public static long ElementCount(TensorProto t)
    {
        long n = 1;
        foreach (long d in t.Dims) n *= d;
        return n;
    }

    /// <summary>ONNX's TensorProto.DataType numbers are ORT's element-type numbers: one table serves both.</summary>
    public static int ElementSize(int dataType) => TensorElementTypes.SizeOf((TensorElementType)dataType);

    /// <summary>Bytes the tensor's values take in the file.</summary>
    public static long ByteSize(TensorProto t)
    {
        if (t.HasRawData) return t.RawData.Length;
        int size = ElementSize(t.DataType);
        return size > 0 ? ElementCount(t) * size : t.CalculateSize();
    }

    public static float[] ReadFloats(TensorProto t)
    {
        if (t.DataType != (int)DataType.Float) throw new ToolException($"initializer '{t.Name}' is {Name(t.DataType)}, not float32");
        if (t.HasRawData) return MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
        return t.FloatData.ToArray();
    }

    public static long[] ReadInt64s(TensorProto t)
    {
        if (t.DataType != (int)DataType.Int64) throw new ToolException($"initializer '{t.Name}' is {Name(t.DataType)}, not int64");
        if (t.HasRawData) return MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray();
        return t.Int64Data.ToArray();
    }

    /// <summary>Counts exact zeros among the values (for sparsity), any numeric type.</summary>
    public static long CountZeros(TensorProto t)
    {
        if (t.DataType == (int)DataType.Float) return ReadFloats(t).Count(v => v == 0f);
        if (t.HasRawData && ElementSize(t.DataType) == 1) return t.RawData.Span.Count((byte)0);
        if (t.Int32Data.Count > 0) return t.Int32Data.Count(v => v == 0);
        if (t.HasRawData && ElementSize(t.DataType) is int s and > 0)
        {
            var span = t.RawData.Span;
            long zeros = 0;
            for (int i = 0; i + s <= span.Length; i += s) if (span.Slice(i, s).IndexOfAnyExcept((byte)0) < 0) zeros++;
            return zeros;
        }
        return 0;
    }

    public static TensorProto Floats(string name, float[] values, params long[] dims) => Make(name, DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()), dims);
    public static TensorProto Int8s(string name, sbyte[] values, params long[] dims) => Make(name, DataType.Int8, MemoryMarshal.AsBytes(values.AsSpan()), dims);
    public static TensorProto UInt8s(string name, byte[] values, params long[] dims) => Make(name, DataType.Uint8, values, dims);
    public static TensorProto Int32s(string name, int[] values, params long[] dims) => Make(name, DataType.Int32, MemoryMarshal.AsBytes(values.AsSpan()), dims);
    public static TensorProto Int64s(string name, long[] values, params long[] dims) => Make(name, DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    private static TensorProto Make(string name, DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        t.Dims.AddRange(dims);
        return t;
    }

    public static string Name(int dataType) => dataType is >= 1 and <= 16
        ? TensorElementTypes.Name((TensorElementType)dataType)
        : $"type {dataType}";
}
