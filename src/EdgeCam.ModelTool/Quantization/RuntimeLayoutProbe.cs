using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;
using Google.Protobuf;

namespace EdgeCam.ModelTool.Quantization;

/// <summary>
/// Asks ONNX Runtime how it will run a QDQ model: it loads the model with every optimisation on,
/// writes the graph it will execute, and that graph is read back. Layout decisions (which
/// operators ORT carries into NHWC) come from its transpose optimiser's cost rules, which no
/// simple rule on the input graph reproduces.
/// </summary>
public static class RuntimeLayoutProbe
{
    /// <summary>The outputs of the MaxPools ORT runs in the standard domain (NCHW) on 8-bit values:
    /// after it drops the DQ before and the Q after a pool, the pool writes the Q's output.</summary>
    public static IReadOnlySet<string> EightBitNchwMaxPools(ModelProto qdq, string origin)
    {
        string dir = Directory.CreateTempSubdirectory("edgecam-layout-").FullName;
        try
        {
            string optimized = Path.Combine(dir, "optimized.onnx");
            using (OrtSession.FromBytes(qdq.ToByteArray(), origin + " (layout probe)", new SessionOptions { IntraOpThreads = 1, OptimizedModelPath = optimized })) { }
            return OnnxFile.Load(optimized).Graph.Node
                .Where(n => n.OpType == "MaxPool" && n.Domain is "" or "ai.onnx" && n.Output[0].EndsWith("_quantized", StringComparison.Ordinal))
                .Select(n => n.Output[0]).ToHashSet();
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
