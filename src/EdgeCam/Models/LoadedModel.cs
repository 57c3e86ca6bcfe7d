using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference.Cards;
using EdgeCam.Inference.Onnx;
using EdgeCam.Vision.Cards;

namespace EdgeCam.Models;

/// <summary>A model ready to run frames: session, runner with its pinned tensors, the card and
/// what was built from it (preprocessor, postprocessor, labels). Disposed once.</summary>
public sealed class LoadedModel(OrtSession session, ModelRunner runner, ModelCard card, string cardOrigin, BoundModel bound,
    IPreprocessor preprocessor) : IDisposable
{
    public OrtSession Session { get; } = session;
    public ModelRunner Runner { get; } = runner;
    public ModelCard Card { get; } = card;
    public string CardOrigin { get; } = cardOrigin;
    public BoundModel Bound { get; } = bound;
    public IPreprocessor Preprocessor { get; } = preprocessor;
    public TensorBuffer Input { get; } = runner.Input(bound.InputName);
    public string Name => Card.Name ?? Path.GetFileNameWithoutExtension(Session.ModelPath);
    public string Version => Card.Version ?? "unversioned";

    public void Dispose()
    {
        Runner.Dispose();
        Session.Dispose();
    }
}
