using EdgeCam.Imaging.Codecs;
using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Evaluation;
using EdgeCam.ModelTool.Quantization;
using EdgeCam.ModelTool.Release;

namespace EdgeCam.Tests.ModelTool;

/// <summary>Text lines cut from real page images judge the OCR text-direction classifier: each
/// line upright and turned 180 degrees, calibration and evaluation pages disjoint.</summary>
public class TextLineTests
{
    public TextLineTests() => OrtEnvironment.Initialize(TestAssets.OrtLibrary);

    [Fact]
    public void TheThirteenPrintedLinesOfAScannedBookPageAreCutApart()
    {
        // OpenCV's imageTextN.png: a scanned book page of 13 printed lines (two of them indented paragraph starts).
        using var decoder = new ImageDecoder();
        var page = decoder.DecodeFile(TestAssets.TextPage("imageTextN.png"));
        var crops = TextLineCutter.Cut(page, 4.0); // the classifier's 192x48 input
        var lines = crops.GroupBy(c => (c.Y, c.Height)).OrderBy(g => g.Key.Y).ToList();
        Assert.Equal(13, lines.Count);
        for (int i = 0; i < lines.Count; i++)
        {
            var (y, h) = lines[i].Key;
            Assert.InRange(h, 10, 24); // one line of ~11 px type with its padding, not two lines
            if (i > 0) Assert.True(y >= lines[i - 1].Key.Y + lines[i - 1].Key.Height - h / 2, $"line {i} at y={y} overlaps the one above");
            var pieces = lines[i].OrderBy(c => c.X).ToList();
            for (int p = 1; p < pieces.Count; p++) Assert.Equal(pieces[p - 1].X + pieces[p - 1].Width, pieces[p].X); // pieces tile the line
            Assert.All(pieces, c => Assert.InRange(c.Width / (double)c.Height, 3.0, 5.5)); // ~4:1
            Assert.All(pieces, c => Assert.True(c.X >= 0 && c.Y >= 0 && c.X + c.Width <= page.Width && c.Y + c.Height <= page.Height));
        }
        // The two indented paragraph starts (lines 2 and 12) begin right of the others.
        int Left(int line) => lines[line].Min(c => c.X);
        int margin = Left(0);
        Assert.True(Left(1) > margin + 10 && Left(11) > margin + 10, $"indents at {Left(1)} and {Left(11)}, margin {margin}");
        Assert.All(new[] { 2, 3, 4, 5, 9, 12 }, l => Assert.InRange(Left(l), margin - 3, margin + 3));

        // What the lines are for: the float classifier tells upright from turned on them.
        var report = Evaluator.Run(new EvalOptions
        {
            Candidate = TestAssets.OcrClassifier, Reference = TestAssets.OcrClassifier, ImagesDir = PageDir("eval", "imageTextN.png"),
            TextLines = true, LatencyRuns = 1,
        }, _ => { });
        Assert.Equal(2 * crops.Count, report.Inputs);
        Assert.True(report.ReferenceAccuracy >= 0.95, $"float orientation accuracy {report.ReferenceAccuracy:0.000}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Int8ClassifierCalibratedOnOtherPagesAgreesWithFloat(bool unsignedActivations)
    {
        string output = Path.Combine(TestAssets.TempDir("cls-quant"), "cls.int8.onnx");
        var lines = new List<string>();
        QuantizeRun.Run(TestAssets.OcrClassifier, null, PageDir("calib", "page.png", "bw_text.png"), output,
            new QuantizeOptions { UnsignedActivations = unsignedActivations }, 0, lines.Add, textLines: true);
        Assert.Contains(lines, l => l.Contains("turned 180"));
        var report = Evaluator.Run(new EvalOptions
        {
            Candidate = output, Reference = TestAssets.OcrClassifier, ImagesDir = PageDir("eval", "imageTextN.png"), TextLines = true, LatencyRuns = 1,
        }, _ => { });
        Assert.True(report.Top1Agreement >= 0.98, $"top-1 agreement {report.Top1Agreement:0.000}");
        Assert.True(report.CandidateAccuracy >= report.ReferenceAccuracy - 0.02, $"int8 {report.CandidateAccuracy:0.000} vs float {report.ReferenceAccuracy:0.000}");
    }

    [Fact]
    public void TextLinesAreRefusedForADetectorAndForAPageWithoutText()
    {
        var e = Assert.Throws<ToolException>(() => Evaluator.Run(new EvalOptions
        {
            Candidate = TestAssets.BlazeFaceFront, Reference = TestAssets.BlazeFaceFront, ImagesDir = PageDir("eval", "imageTextN.png"), TextLines = true,
        }, _ => { }));
        Assert.Contains("--text-lines", e.Message);

        // A blank page (every pixel the same grey) has no lines.
        string dir = TestAssets.TempDir("blank");
        string blank = Path.Combine(dir, "blank.pgm");
        File.WriteAllBytes(blank, [.. "P5 400 100 255\n"u8.ToArray(), .. Enumerable.Repeat((byte)200, 400 * 100)]);
        e = Assert.Throws<ToolException>(() => Evaluator.Run(new EvalOptions
        {
            Candidate = TestAssets.OcrClassifier, Reference = TestAssets.OcrClassifier, ImagesDir = dir, TextLines = true,
        }, _ => { }));
        Assert.Contains("blank.pgm: no text lines found", e.Message);
    }

    internal static string PageDir(string name, params string[] pages)
    {
        string dir = TestAssets.TempDir(name);
        foreach (string p in pages) File.CreateSymbolicLink(Path.Combine(dir, p), TestAssets.TextPage(p));
        return dir;
    }
}
