using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Evaluation;
using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Release;
using EdgeCam.Updates.Storage;

namespace EdgeCam.ModelTool.Quantization;

/// <summary>`edgecam-model quantize`: load, calibrate on real images, rewrite as QDQ int8, save
/// (with the model card beside the output, so EdgeCam runs it as it ran the float model).</summary>
public static class QuantizeRun
{
    public static QuantizeSummary Run(string modelPath, string? cardPath, string calibrationDir, string outputPath,
        QuantizeOptions options, int cropRows, Action<string> progress, bool textLines = false)
    {
        if (options.Method == CalibrationMethod.Percentile && !(options.Percentile is > 50 and <= 100))
            throw new ToolException($"--percentile {options.Percentile}: expected a number in (50, 100]");
        var model = OnnxFile.Load(modelPath);
        var files = ImageFeeder.ImagesIn(calibrationDir, "--calibration");
        string card = ImageFeeder.CardFor(modelPath, cardPath);
        using var feeder = new ImageFeeder(card);
        var images = feeder.Samples(files, cropRows, textLines);
        if (model.Graph.Node.Any(n => n.OpType is "QuantizeLinear" or "DequantizeLinear" || n.OpType.StartsWith("QLinear", StringComparison.Ordinal)))
            throw new ToolException($"{modelPath}: already quantised (it has QuantizeLinear/DequantizeLinear or QLinear nodes)");
        var unknown = options.KeepFloat.Where(k => !model.Graph.Node.Any(n => n.Name == k || n.OpType == k)).ToList();
        if (unknown.Count > 0) throw new ToolException($"--keep-float {string.Join(", ", unknown)}: no node of {modelPath} has that name or operator type");

        var summary = QdqQuantizer.Quantize(model, options, (floatModel, tensors) =>
        {
            progress($"calibrating {tensors.Count} activations on {images.Count} inputs from {files.Count} images in {calibrationDir} ({options.Method})");
            return Calibrator.Collect(floatModel, tensors, feeder, images, options.Method, options.Percentile, modelPath, progress);
        }, (floatModel, tensors) =>
        {
            progress($"measuring {tensors.Count} activations per channel for equalisation");
            return ChannelStatistics.MaxAbs(floatModel, tensors, feeder, images, modelPath);
        }, qdq => RuntimeLayoutProbe.EightBitNchwMaxPools(qdq, modelPath));
        OnnxFile.SaveLoadable(model, outputPath);
        string outCard = Path.ChangeExtension(outputPath, ".card.json");
        if (Path.GetFullPath(outCard) != Path.GetFullPath(card)) DurableFile.Write(outCard, File.ReadAllBytes(card));
        return summary;
    }
}
