using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Frames;
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
public readonly record struct CropRect(int X, int Y, int Width, int Height);

/// <summary>One model input: an image file, whole or a crop of it, as it is or turned by 180 degrees.</summary>
public readonly record struct ImageSample(string Path, CropRect? Crop, bool Rotated180 = false)
{
    public override string ToString() =>
        (Crop is { } c ? $"{System.IO.Path.GetFileName(Path)}[{c.X},{c.Y} {c.Width}x{c.Height}]" : System.IO.Path.GetFileName(Path)) + (Rotated180 ? " turned 180" : "");
}

public sealed class ImageFeeder : IDisposable
{
    private readonly ImageDecoder _decoder = new();
    private readonly ScalarPreprocessor _preprocessor;
    private readonly ScalarPreprocessor _rotatedPreprocessor;
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
        _rotatedPreprocessor = new ScalarPreprocessor(Plan with { Rotate180 = !Plan.Rotate180 });
    }

    private string? _lastPath;
    private DecodedImage? _last;

    /// <summary>The decoded image (for postprocessing against its pixel size) after filling <paramref name="tensor"/>.</summary>
    public (DecodedImage Image, InputMapping Mapping) Fill(string imagePath, Span<byte> tensor) => Fill(new ImageSample(imagePath, null), tensor);

    public (DecodedImage Image, InputMapping Mapping) Fill(ImageSample sample, Span<byte> tensor)
    {
        var image = Decode(sample.Path);
        var view = image.View;
        if (sample.Crop is { } c)
        {
            int bpp = image.Stride / image.Width;
            view = new ImageView(image.Pixels.AsSpan(c.Y * image.Stride + c.X * bpp), c.Width, c.Height, image.Stride, image.Format);
        }
        var mapping = (sample.Rotated180 ? _rotatedPreprocessor : _preprocessor).Run(view, tensor);
        return (image, mapping);
    }

    private DecodedImage Decode(string path)
    {
        if (path == _lastPath && _last is not null) return _last;
        try
        {
            _last = _decoder.DecodeFile(path);
            _lastPath = path;
            return _last;
        }
        catch (ImageDecodeException e)
        {
            throw new ToolException($"{path}: does not decode as an image ({e.Message})");
        }
    }

    /// <summary>
    /// The samples of a set of images: each whole image, and with <paramref name="cropRows"/> &gt; 0
    /// also a grid of crops with the model input's aspect ratio (rows of height H/rows): a
    /// classifier made for small regions (a text line, an object) sees many realistic inputs per photo.
    /// </summary>
    public IReadOnlyList<ImageSample> Samples(IReadOnlyList<string> images, int cropRows) => Samples(images, cropRows, textLines: false);

    /// <summary>
    /// With <paramref name="textLines"/>: instead of whole images and crops, the text lines cut from
    /// each page image (<see cref="TextLineCutter"/>), each once upright and once turned by 180
    /// degrees, the two cases a text-direction classifier tells apart.
    /// </summary>
    public IReadOnlyList<ImageSample> Samples(IReadOnlyList<string> images, int cropRows, bool textLines)
    {
        var samples = new List<ImageSample>();
        if (textLines)
        {
            double aspect = Card.Input.Width / (double)Card.Input.Height;
            foreach (string path in images)
            {
                var lines = TextLineCutter.Cut(Decode(path), aspect);
                if (lines.Count == 0) throw new ToolException($"{path}: no text lines found (--text-lines expects pages of dark, horizontal text on a light background)");
                foreach (var line in lines) samples.Add(new ImageSample(path, line));
                foreach (var line in lines) samples.Add(new ImageSample(path, line, Rotated180: true));
            }
            return samples;
        }
        foreach (string path in images)
        {
            samples.Add(new ImageSample(path, null));
            if (cropRows <= 0) continue;
            var image = Decode(path);
            int h = Math.Max(1, image.Height / cropRows);
            int w = Math.Min(image.Width, Math.Max(1, (int)((long)h * Card.Input.Width / Card.Input.Height)));
            for (int y = 0; y + h <= image.Height; y += h)
                for (int x = 0; x + w <= image.Width; x += w)
                    samples.Add(new ImageSample(path, new CropRect(x, y, w, h)));
        }
        return samples;
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
