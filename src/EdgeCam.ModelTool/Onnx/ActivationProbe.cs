using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;
using Google.Protobuf;

namespace EdgeCam.ModelTool.Onnx;

/// <summary>
/// Runs a model with chosen intermediate values exposed as extra graph outputs, so their shapes
/// and values can be read (layer shapes for MACs, activation ranges for calibration, layer inputs
/// and outputs for pruning refits). The model's own outputs stay first.
/// </summary>
public sealed class ActivationProbe : IDisposable
{
    private readonly OrtSession _session;
    public ModelRunner Runner { get; }
    private readonly Dictionary<string, int> _index = new();

    public ActivationProbe(ModelProto model, IEnumerable<string> values, IReadOnlyDictionary<string, long[]>? inputShapes, string origin, int threads = 2)
    {
        var probe = model.Clone();
        var existing = probe.Graph.Output.Select(o => o.Name).ToHashSet();
        var graphInputs = probe.Graph.Input.Select(i => i.Name).ToHashSet();
        foreach (string v in values.Distinct())
        {
            if (existing.Contains(v) || graphInputs.Contains(v)) continue;
            // No type: ORT takes the type it infers for the value.
            probe.Graph.Output.Add(new ValueInfoProto { Name = v });
            existing.Add(v);
        }
        // Basic optimisation only: full optimisation would fuse away the values being watched.
        _session = OrtSession.FromBytes(probe.ToByteArray(), origin + " (probe)",
            new SessionOptions { IntraOpThreads = threads, OptimizationLevel = GraphOptimizationLevel.Basic });
        try
        {
            Runner = new ModelRunner(_session, inputShapes, preallocateOutputs: false);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        for (int i = 0; i < Runner.Count; i++) _index[Runner.NameOf(i)] = i;
    }

    public int IndexOf(string value) => _index.TryGetValue(value, out int i) ? i : -1;
    public ReadOnlySpan<long> ShapeOf(string value) => Runner.ShapeOf(_index[value]);
    public ReadOnlySpan<float> Floats(string value) => Runner.AsFloat(_index[value]);

    public void Dispose()
    {
        Runner.Dispose();
        _session.Dispose();
    }
}
