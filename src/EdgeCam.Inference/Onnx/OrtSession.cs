namespace EdgeCam.Inference.Onnx;

/// <summary>
/// A loaded model: the OrtSession plus what it declares (inputs, outputs, metadata), read once at
/// load. Create a <see cref="ModelRunner"/> over it to run frames. Thread-safe to run from one
/// thread at a time per runner; released exactly once.
/// </summary>
public sealed unsafe class OrtSession : IDisposable
{
    private nint _handle;

    public string ModelPath { get; }
    public IReadOnlyList<NodeInfo> Inputs { get; }
    public IReadOnlyList<NodeInfo> Outputs { get; }
    public ModelMetadata Metadata { get; }

    internal nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(OrtSession), $"session of {ModelPath} is disposed");

    private OrtSession(nint handle, string modelPath)
    {
        _handle = handle;
        ModelPath = modelPath;
        try
        {
            Inputs = ReadNodes(handle, input: true, modelPath);
            Outputs = ReadNodes(handle, input: false, modelPath);
            Metadata = SessionMetadata.Read(handle, modelPath);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Loads a model file. A missing file or a file that is not ONNX raises an
    /// <see cref="OrtException"/> naming the path.</summary>
    public static OrtSession FromFile(string path, SessionOptions? options = null)
    {
        if (!File.Exists(path))
            throw new OrtException(OrtErrorCode.NoSuchFile, "no such file", path);
        nint env = OrtEnvironment.Handle;
        using var native = new NativeSessionOptions(options ?? new SessionOptions(), path);
        nint session;
        using (var p = new Utf8String(path))
            OrtStatus.Check(OrtApi.CreateSession(env, p.Pointer, native.Handle, &session), path);
        return new OrtSession(session, path);
    }

    /// <summary>Loads a model from memory; <paramref name="origin"/> names it in errors.</summary>
    public static OrtSession FromBytes(ReadOnlySpan<byte> model, string origin, SessionOptions? options = null)
    {
        nint env = OrtEnvironment.Handle;
        using var native = new NativeSessionOptions(options ?? new SessionOptions(), origin);
        nint session;
        fixed (byte* data = model)
            OrtStatus.Check(OrtApi.CreateSessionFromArray(env, data, (nuint)model.Length, native.Handle, &session), origin);
        return new OrtSession(session, origin);
    }

    public int InputIndex(string name) => IndexOf(Inputs, name);
    public int OutputIndex(string name) => IndexOf(Outputs, name);

    private static int IndexOf(IReadOnlyList<NodeInfo> nodes, string name)
    {
        for (int i = 0; i < nodes.Count; i++) if (nodes[i].Name == name) return i;
        return -1;
    }

    private static NodeInfo[] ReadNodes(nint session, bool input, string path)
    {
        nuint count;
        OrtStatus.Check(input ? OrtApi.SessionGetInputCount(session, &count) : OrtApi.SessionGetOutputCount(session, &count), path);
        nint allocator;
        OrtStatus.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator), path);
        var nodes = new NodeInfo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* name;
            OrtStatus.Check(input ? OrtApi.SessionGetInputName(session, i, allocator, &name)
                                  : OrtApi.SessionGetOutputName(session, i, allocator, &name), path);
            string nodeName = OrtApi.Utf8(name) ?? "";
            OrtStatus.Check(OrtApi.AllocatorFree(allocator, name), path);

            nint typeInfo;
            OrtStatus.Check(input ? OrtApi.SessionGetInputTypeInfo(session, i, &typeInfo)
                                  : OrtApi.SessionGetOutputTypeInfo(session, i, &typeInfo), path);
            try
            {
                nodes[(int)i] = TypeInfoReader.Read(nodeName, typeInfo, path);
            }
            finally
            {
                OrtApi.ReleaseTypeInfo(typeInfo);
            }
        }
        return nodes;
    }

    public void Dispose()
    {
        nint h = Interlocked.Exchange(ref _handle, 0);
        if (h != 0) OrtApi.ReleaseSession(h);
    }
}
