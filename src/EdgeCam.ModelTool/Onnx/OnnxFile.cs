using EdgeCam.ModelTool.Release;
using EdgeCam.ModelTool.Onnx.Proto;
using EdgeCam.Updates.Storage;
using Google.Protobuf;

namespace EdgeCam.ModelTool.Onnx;

/// <summary>
/// Reads and writes ONNX model files. Fields the schema does not name are kept by Google.Protobuf
/// and written back, so a model passes through the toolchain without losing what it carries.
/// </summary>
public static class OnnxFile
{
    public static ModelProto Load(string path)
    {
        if (!File.Exists(path)) throw new ToolException($"{path}: no such model file");
        byte[] bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    public static ModelProto Parse(byte[] bytes, string origin)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ToolException($"{origin}: not an ONNX model (not a valid protobuf ModelProto: {e.Message})");
        }
        // Arbitrary bytes sometimes parse as a protobuf message; an ONNX model has an IR version,
        // a graph and an opset.
        if (!model.HasIrVersion || model.IrVersion <= 0 || model.Graph is null || model.OpsetImport.Count == 0)
            throw new ToolException($"{origin}: not an ONNX model (no IR version, graph or opset import)");
        if (model.Graph.Initializer.Any(t => t.DataLocation == TensorProto.Types.DataLocation.External))
            throw new ToolException($"{origin}: weights stored in external data files are not supported; save the model with its weights inside");
        return model;
    }

    /// <summary>Writes durably: a reader sees the old file or the complete new one.</summary>
    public static void Save(ModelProto model, string path) => DurableFile.Write(path, model.ToByteArray());

    /// <summary>Writes a model the toolchain made, after ONNX Runtime has loaded it from memory:
    /// a rewrite that produced an invalid graph fails here and leaves no file behind.</summary>
    public static void SaveLoadable(ModelProto model, string path)
    {
        byte[] bytes = model.ToByteArray();
        using (EdgeCam.Inference.Onnx.OrtSession.FromBytes(bytes, path)) { }
        DurableFile.Write(path, bytes);
    }

    /// <summary>The default-domain opset the model imports.</summary>
    public static long Opset(ModelProto model) =>
        model.OpsetImport.FirstOrDefault(o => !o.HasDomain || o.Domain is "" or "ai.onnx")?.Version ?? 0;
}
