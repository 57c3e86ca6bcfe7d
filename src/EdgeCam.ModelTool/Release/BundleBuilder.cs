using System.Runtime.InteropServices;
using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference.Cards;
using EdgeCam.Inference.Onnx;
using EdgeCam.Updates.Bundles;
using EdgeCam.Vision.Cards;

namespace EdgeCam.ModelTool.Release;

/// <summary>
/// Builds a model bundle: the model, its card, and self-test vectors computed here by running the
/// model on real images through EdgeCam's own preprocessing (the scalar reference), so a device can
/// prove, before switching, that its ONNX Runtime gives the same outputs as the release machine's.
/// </summary>
public static class BundleBuilder
{
    public static BundleManifest Build(string modelPath, string cardPath, string name, string version, IReadOnlyList<string> images,
        double tolerance, string outputPath, string? runtimeLibrary, Action<string> progress)
    {
        if (!File.Exists(modelPath)) throw new ToolException($"{modelPath}: no such model");
        if (!File.Exists(cardPath)) throw new ToolException($"{cardPath}: no such model card");
        if (name.Length == 0 || name.IndexOfAny(['/', '\\', ' ']) >= 0) throw new ToolException($"--name '{name}': expected a plain model line name like blazeface-front");
        if (!BundleVersion.TryParse(version, out _)) throw new ToolException($"--version '{version}': expected dotted numbers like 1.2.0");
        if (images.Count == 0) throw new ToolException("give at least one --image: self-test vectors are computed from real images");
        if (!(tolerance > 0)) throw new ToolException($"--tolerance {tolerance}: expected a positive number");

        OrtEnvironment.Initialize(runtimeLibrary);
        using var session = OrtSession.FromFile(modelPath);
        var card = ModelCardLoader.Load(cardPath);
        var bound = CardBinding.Bind(card, cardPath, session);
        using var runner = new ModelRunner(session, new Dictionary<string, long[]> { [bound.InputName] = bound.InputShape });
        var preprocessor = new ScalarPreprocessor(bound.Plan);
        using var decoder = new ImageDecoder();
        var input = runner.Input(bound.InputName);

        var manifest = new BundleManifest { Name = name, Version = version, SelfTest = new SelfTestSpec { Tolerance = tolerance } };
        var entries = new Dictionary<string, byte[]>
        {
            [manifest.Model] = File.ReadAllBytes(modelPath),
            [manifest.Card] = File.ReadAllBytes(cardPath),
        };
        for (int i = 0; i < images.Count; i++)
        {
            DecodedImage image;
            try
            {
                image = decoder.DecodeFile(images[i]);
            }
            catch (ImageDecodeException e)
            {
                throw new ToolException(e.Message);
            }
            preprocessor.Run(image.View, input.Bytes);
            runner.Run();
            var vector = new SelfTestVector();
            string inputFile = $"selftest-{i}-input.bin";
            entries[inputFile] = input.Bytes.ToArray();
            vector.Inputs.Add(new TensorEntry { Name = bound.InputName, File = inputFile, Shape = input.Shape, ElementType = TensorElementTypes.Name(input.ElementType) });
            for (int o = 0; o < runner.Count; o++)
            {
                if (runner.ElementTypeOf(o) != TensorElementType.Float) continue;
                string file = $"selftest-{i}-output-{o}.bin";
                entries[file] = MemoryMarshal.AsBytes(runner.AsFloat(o)).ToArray();
                vector.Outputs.Add(new TensorEntry { Name = runner.NameOf(o), File = file, Shape = runner.ShapeOf(o).ToArray(), ElementType = "float32" });
            }
            manifest.SelfTest.Vectors.Add(vector);
            progress($"self-test vector {i + 1}/{images.Count} from {images[i]}");
        }
        ModelBundle.Write(outputPath, manifest, entries);
        return manifest;
    }
}
