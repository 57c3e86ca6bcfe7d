using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference.Cards;
using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Release;
using EdgeCam.Vision.Cards;

namespace EdgeCam.ModelTool.Evaluation;

/// <summary>
/// Turns image files into a model's input tensor exactly as the device does: the model card's
/// preprocess plan, run by EdgeCam's scalar reference preprocessor (the same one the bundle's
/// self-test vectors come from).
/// </summary>
public sealed class ImageFeeder : IDisposable
{
    private readonly ImageDecoder _decoder = new();
    private readonly ScalarPreprocessor _preprocessor;
    public ModelCard Card { get; }
    public string CardPath { get; }
    public PreprocessPlan Plan { get; }
    public long[] InputShape { get; }

    public ImageFeeder(string cardPath)
    {
        if (!File.Exists(cardPath)) throw new ToolException($"{cardPath}: no such model card (give --card, or put MODEL.card.json beside the model)");
        CardPath = cardPath;
        Card = ModelCardLoader.Load(cardPath);
        var ci = Card.Input;
        var element = ci.ElementType switch { "uint8" => TensorElementType.UInt8, "int8" => TensorElementType.Int8, _ => TensorElementType.Float };
        Plan = CardBinding.BuildPlan(ci, element);
        InputShape = ci.Layout == "NCHW" ? [1, ci.Channels, ci.Height, ci.Width] : [1, ci.Height, ci.Width, ci.Channels];
        _preprocessor = new ScalarPreprocessor(Plan);
    }

    /// <summary>The decoded image (for postprocessing against its pixel size) after filling <paramref name="tensor"/>.</summary>
    public (DecodedImage Image, InputMapping Mapping) Fill(string imagePath, Span<byte> tensor)
    {
        DecodedImage image;
        try
        {
            image = _decoder.DecodeFile(imagePath);
        }
        catch (ImageDecodeException e)
        {
            throw new ToolException($"{imagePath}: does not decode as an image ({e.Message})");
        }
        var mapping = _preprocessor.Run(image.View, tensor);
        return (image, mapping);
    }

    /// <summary>The card for a model: the one given, or MODEL.card.json beside it.</summary>
    public static string CardFor(string modelPath, string? given) => given ?? ModelCardLoader.CardPathFor(modelPath);

    /// <summary>The images of a calibration or evaluation directory, checked to be non-empty.</summary>
    public static IReadOnlyList<string> ImagesIn(string directory, string option)
    {
        if (!Directory.Exists(directory)) throw new ToolException($"{option} {directory}: no such directory");
        var files = Directory.EnumerateFiles(directory).Where(f =>
        {
            string ext = Path.GetExtension(f).ToLowerInvariant();
            return ext is ".jpg" or ".jpeg" or ".png" or ".ppm" or ".pgm" or ".pnm";
        }).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new ToolException($"{option} {directory}: no images (.jpg, .png, .ppm) in the directory");
        return files;
    }

    public void Dispose() => _decoder.Dispose();
}
