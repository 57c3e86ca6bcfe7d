using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Evaluation;

namespace EdgeCam.Tests.ModelTool;

/// <summary>The real models the model toolchain is tested on, each with its card, and a helper
/// that runs a model (file or bytes) on a real image through the card's preprocessing.</summary>
internal static class ModelToolAssets
{
    public static TheoryData<string> Models => new() { "blazeface-front", "blazeface-back", "ppocr-cls", "ppocr-det" };

    public static string Model(string name) => name switch
    {
        "blazeface-front" => TestAssets.BlazeFaceFront,
        "blazeface-back" => TestAssets.BlazeFaceBack,
        "ppocr-cls" => TestAssets.OcrClassifier,
        "ppocr-det" => TestAssets.OcrDetector,
        _ => throw new ArgumentException(name),
    };

    public static string Card(string name) => TestAssets.Require(Path.ChangeExtension(Model(name), ".card.json"));

    /// <summary>Every float output of one run on one image, in output order.</summary>
    public static float[][] Run(byte[] model, string card, string image)
    {
        OrtEnvironment.Initialize(TestAssets.OrtLibrary);
        using var feeder = new ImageFeeder(card);
        using var session = OrtSession.FromBytes(model, "test model", new SessionOptions { IntraOpThreads = 1 });
        using var runner = new ModelRunner(session, new Dictionary<string, long[]> { [session.Inputs[0].Name] = feeder.InputShape });
        feeder.Fill(image, runner.Input(0).Bytes);
        runner.Run();
        return Enumerable.Range(0, runner.Count).Select(o => runner.AsFloat(o).ToArray()).ToArray();
    }
}
