using System.Runtime.InteropServices;

namespace EdgeCam.Inference.Onnx;

/// <summary>
/// Runs one session frame after frame with no managed allocation: input tensors are created once
/// over pinned buffers, outputs with a fully known shape too (ORT writes into them); outputs with
/// a symbolic shape are allocated by ORT per run and their shape read back. The name and value
/// pointer arrays ORT needs live in native memory for the runner's lifetime.
/// Its outputs are an <see cref="ITensorSet"/> for the postprocessors. Not thread-safe.
/// </summary>
public sealed unsafe class ModelRunner : ITensorSet, IDisposable
{
    private const int MaxRank = 8;
    private readonly OrtSession _session;
    private readonly TensorBuffer[] _inputs;
    private readonly TensorBuffer?[] _fixedOutputs;
    private readonly nint* _inputNames, _outputNames, _inputValues, _outputValues;
    private readonly long[] _outputShapes;    // MaxRank per output, read after each run when dynamic
    private readonly int[] _outputRanks;
    private readonly nint _memoryInfo;
    private bool _disposed;

    public OrtSession Session => _session;
    public IReadOnlyList<TensorBuffer> Inputs => _inputs;
    public long RunCount { get; private set; }

    /// <param name="inputShapes">Concrete shapes for inputs with symbolic dimensions, by name.
    /// Without one, each symbolic dimension becomes 1 (the batch dimension on a device).</param>
    /// <param name="preallocateOutputs">False lets ORT allocate every output per run: for models whose
    /// declared output shapes are not trustworthy (tools that expose untyped intermediate values).</param>
    public ModelRunner(OrtSession session, IReadOnlyDictionary<string, long[]>? inputShapes = null, bool preallocateOutputs = true)
    {
        _session = session;
        nint memoryInfo;
        // OrtArenaAllocator = 1, OrtMemTypeDefault = 0: plain CPU memory.
        OrtStatus.Check(OrtApi.CreateCpuMemoryInfo(1, 0, &memoryInfo), session.ModelPath);
        _memoryInfo = memoryInfo;

        int nIn = session.Inputs.Count, nOut = session.Outputs.Count;
        _inputs = new TensorBuffer[nIn];
        _fixedOutputs = new TensorBuffer?[nOut];
        _outputShapes = new long[nOut * MaxRank];
        _outputRanks = new int[nOut];
        _inputNames = (nint*)NativeMemory.AllocZeroed((nuint)(nIn * sizeof(nint)));
        _inputValues = (nint*)NativeMemory.AllocZeroed((nuint)(nIn * sizeof(nint)));
        _outputNames = (nint*)NativeMemory.AllocZeroed((nuint)(Math.Max(nOut, 1) * sizeof(nint)));
        _outputValues = (nint*)NativeMemory.AllocZeroed((nuint)(Math.Max(nOut, 1) * sizeof(nint)));
        try
        {
            for (int i = 0; i < nIn; i++)
            {
                var node = session.Inputs[i];
                if (!node.IsTensor) throw new OrtException(OrtErrorCode.NotImplemented, $"input '{node.Name}' is not a tensor", session.ModelPath);
                long[] shape = ResolveShape(node, inputShapes, session.ModelPath);
                _inputs[i] = new TensorBuffer(node.Name, node.ElementType, shape, _memoryInfo);
                _inputNames[i] = Marshal.StringToCoTaskMemUTF8(node.Name);
                _inputValues[i] = _inputs[i].Value;
            }
            for (int o = 0; o < nOut; o++)
            {
                var node = session.Outputs[o];
                _outputNames[o] = Marshal.StringToCoTaskMemUTF8(node.Name);
                if (preallocateOutputs && node.IsTensor && node.IsFullyKnown && TensorElementTypes.SizeOf(node.ElementType) > 0)
                {
                    var buffer = new TensorBuffer(node.Name, node.ElementType, (long[])node.Shape.Clone(), _memoryInfo);
                    _fixedOutputs[o] = buffer;
                    _outputValues[o] = buffer.Value;
                    _outputRanks[o] = node.Shape.Length;
                    node.Shape.CopyTo(_outputShapes, o * MaxRank);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static long[] ResolveShape(NodeInfo node, IReadOnlyDictionary<string, long[]>? overrides, string path)
    {
        if (overrides is not null && overrides.TryGetValue(node.Name, out long[]? given))
        {
            bool fits = given.Length == node.Shape.Length;
            for (int d = 0; fits && d < given.Length; d++)
                fits = given[d] > 0 && (node.Shape[d] < 0 || node.Shape[d] == given[d]);
            if (!fits)
                throw new OrtException(OrtErrorCode.InvalidArgument,
                    $"input '{node.Name}' shape {NodeInfo.FormatShape(given)} does not fit the model's {node.ShapeText}", path);
            return (long[])given.Clone();
        }
        var shape = (long[])node.Shape.Clone();
        for (int d = 0; d < shape.Length; d++) if (shape[d] < 0) shape[d] = 1;
        return shape;
    }

    public TensorBuffer Input(int index) => _inputs[index];

    public TensorBuffer Input(string name)
    {
        foreach (var t in _inputs) if (t.Name == name) return t;
        throw new ArgumentException($"model {_session.ModelPath} has no input '{name}' (inputs: {string.Join(", ", _inputs.Select(i => i.Name))})");
    }

    /// <summary>Runs the model on the current input buffers.</summary>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int nOut = _session.Outputs.Count;
        // ORT-allocated outputs from the previous run are released now, not earlier: the
        // postprocessor may read them until the next run starts.
        for (int o = 0; o < nOut; o++)
        {
            if (_fixedOutputs[o] is null && _outputValues[o] != 0)
            {
                OrtApi.ReleaseValue(_outputValues[o]);
                _outputValues[o] = 0;
            }
        }
        OrtStatus.Check(OrtApi.Run(_session.Handle, 0, _inputNames, _inputValues, (nuint)_inputs.Length,
            _outputNames, (nuint)nOut, _outputValues), _session.ModelPath);
        for (int o = 0; o < nOut; o++)
        {
            if (_fixedOutputs[o] is null && _outputValues[o] != 0)
                TypeInfoReader.ReadValueShape(_outputValues[o], _outputShapes.AsSpan(o * MaxRank, MaxRank), out _outputRanks[o]);
        }
        RunCount++;
    }

    // ITensorSet over the outputs of the latest run.
    public int Count => _session.Outputs.Count;
    public string NameOf(int index) => _session.Outputs[index].Name;
    public int IndexOf(string name) => _session.OutputIndex(name);
    public ReadOnlySpan<long> ShapeOf(int index) => _outputShapes.AsSpan(index * MaxRank, _outputRanks[index]);
    public TensorElementType ElementTypeOf(int index) => _session.Outputs[index].ElementType;

    /// <summary>The raw bytes of output <paramref name="index"/> after the latest run.</summary>
    public ReadOnlySpan<byte> OutputBytes(int index)
    {
        if (_fixedOutputs[index] is { } fixedBuffer) return fixedBuffer.Bytes;
        nint value = _outputValues[index];
        if (value == 0) throw new InvalidOperationException($"output '{NameOf(index)}' is not available before the first run");
        void* data;
        OrtStatus.Check(OrtApi.GetTensorMutableData(value, &data), _session.ModelPath);
        long count = 1;
        foreach (long d in ShapeOf(index)) count *= d;
        return new ReadOnlySpan<byte>(data, checked((int)(count * TensorElementTypes.SizeOf(ElementTypeOf(index)))));
    }

    public ReadOnlySpan<float> AsFloat(int index)
    {
        if (ElementTypeOf(index) != TensorElementType.Float)
            throw new InvalidOperationException($"output '{NameOf(index)}' is {TensorElementTypes.Name(ElementTypeOf(index))}, not float32");
        return MemoryMarshal.Cast<byte, float>(OutputBytes(index));
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        int nOut = _session.Outputs.Count;
        for (int o = 0; o < nOut; o++)
        {
            if (_fixedOutputs[o] is { } buffer) buffer.Dispose();
            else if (_outputValues != null && _outputValues[o] != 0) OrtApi.ReleaseValue(_outputValues[o]);
            if (_outputNames != null && _outputNames[o] != 0) Marshal.FreeCoTaskMem(_outputNames[o]);
        }
        for (int i = 0; i < _inputs.Length; i++)
        {
            _inputs[i]?.Dispose();
            if (_inputNames != null && _inputNames[i] != 0) Marshal.FreeCoTaskMem(_inputNames[i]);
        }
        NativeMemory.Free(_inputNames); NativeMemory.Free(_inputValues);
        NativeMemory.Free(_outputNames); NativeMemory.Free(_outputValues);
        if (_memoryInfo != 0) OrtApi.ReleaseMemoryInfo(_memoryInfo);
    }
}
