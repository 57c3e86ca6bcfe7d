using EdgeCam.Imaging.Codecs;
using EdgeCam.Imaging.Sources;
using EdgeCam.Inference.Onnx;
using EdgeCam.Models;
using EdgeCam.Output;
using EdgeCam.Vision;
using EdgeCam.Vision.Cards;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Cli;

/// <summary>`edgecam detect`: the model once over each image, one JSON object per image on stdout.</summary>
public static class DetectCommand
{
    public static int Execute(string modelPath, string? cardPath, float? threshold, int? topK, string[] inputs, ILoggerFactory logs)
    {
        var log = logs.CreateLogger("EdgeCam.Detect");
        if (threshold is < 0 or > 1) throw new UserFacingException(ExitCodes.Usage, $"--threshold {threshold}: expected a number from 0 to 1");
        if (topK is < 1) throw new UserFacingException(ExitCodes.Usage, $"--top-k {topK}: expected an integer >= 1");
        var files = inputs.SelectMany(i => ImageFiles.Expand(i, log)).ToList();

        using var model = ModelLoader.Load(modelPath, cardPath, new SessionOptions(), log, new CardBinding.Overrides(threshold, topK));
        using var decoder = new ImageDecoder();
        using var output = JsonLineWriter.ForStdout();
        var result = new InferenceResult();
        foreach (string file in files)
        {
            var image = decoder.DecodeFile(file);
            var mapping = model.Preprocessor.Run(image.View, model.Input.Bytes);
            model.Runner.Run();
            result.Clear();
            model.Bound.Postprocessor.Process(model.Runner, mapping, result);
            result.Detections.SortByScoreDescending();
            output.WriteLine(w =>
            {
                w.WriteString("input", file);
                w.WriteNumber("width", image.Width);
                w.WriteNumber("height", image.Height);
                ResultJson.Write(w, result, model.Bound);
            });
        }
        return ExitCodes.Ok;
    }
}
