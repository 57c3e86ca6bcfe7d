using System.Text.Json;
using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Cli;
using EdgeCam.ModelTool.Evaluation;
using EdgeCam.ModelTool.Release;

namespace EdgeCam.Tests.ModelTool;

public class EvalTests
{
    public EvalTests() => OrtEnvironment.Initialize(TestAssets.OrtLibrary);

    [Fact]
    public void AModelJudgedAgainstItsOwnCopyAgreesCompletely()
    {
        // The OCR detector's 640x640 probability map on a real photo of text: a byte-identical
        // copy must give map IoU 1, every text region matched, zero output error, and both
        // latencies measured in the same run.
        string copy = Path.Combine(TestAssets.TempDir("eval"), "det.onnx");
        File.Copy(TestAssets.OcrDetector, copy);
        var report = Evaluator.Run(new EvalOptions
        {
            Candidate = copy, Reference = TestAssets.OcrDetector, ImagesDir = TextPhotoDir("text_defocus.jpg"),
            Card = ModelToolAssets.Card("ppocr-det"), LatencyRuns = 2,
        }, _ => { });
        Assert.Equal("map", report.Kind);
        Assert.Equal(1.0, report.MapIoU);
        var regions = report.CandidateVsReference!;
        Assert.True(regions.TruePositives >= 3, $"{regions.TruePositives} text regions on a photo of a printed page");
        Assert.Equal((0, 0), (regions.FalsePositives, regions.FalseNegatives));
        Assert.All(report.Outputs, o => Assert.Equal(0, o.MaxAbs));
        Assert.Equal(2, report.LatencyRuns);
        Assert.True(report.ReferenceMedianMs > 0 && report.CandidateMedianMs > 0);
        Assert.Equal(1.0, report.SizeRatio);

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(report, ReportJson.Default.EvalReport));
        Assert.Equal(1.0, json.RootElement.GetProperty("mapIoU").GetDouble());
        Assert.Equal("map", json.RootElement.GetProperty("kind").GetString());
        Assert.Contains("map IoU with reference", EvalPrinter.ToText(report));
    }

    internal static string TextPhotoDir(params string[] photos)
    {
        string dir = TestAssets.TempDir("text-photos");
        foreach (string p in photos) File.CreateSymbolicLink(Path.Combine(dir, p), TestAssets.TextPhoto(p));
        return dir;
    }

    [Fact]
    public void AnnotationsThatNameNoneOfTheImagesAreRefused()
    {
        string images = QuantizeTests.ImageDir("eval", "2008_001009.jpg"); // a training.xml photo
        var e = Assert.Throws<ToolException>(() => Evaluator.Run(new EvalOptions
        {
            Candidate = TestAssets.BlazeFaceFront, Reference = TestAssets.BlazeFaceFront, ImagesDir = images,
            Annotations = Path.Combine(TestAssets.FacesDir, "testing.xml"),
        }, _ => { }));
        Assert.Contains("none of its images is in --images", e.Message);
    }
}
