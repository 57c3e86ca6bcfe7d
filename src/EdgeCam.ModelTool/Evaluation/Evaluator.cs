using System.Diagnostics;
using EdgeCam.Inference.Cards;
using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Release;
using EdgeCam.Vision;
using EdgeCam.Vision.Cards;
using EdgeCam.Vision.Evaluation;

namespace EdgeCam.ModelTool.Evaluation;

public sealed record EvalOptions
{
    public required string Candidate { get; init; }
    public required string Reference { get; init; }
    public required string ImagesDir { get; init; }
    public string? Annotations { get; init; }
    public string? Card { get; init; }
    public int CropRows { get; init; }
    /// <summary>Judge a text-direction classifier on the text lines of page images, each upright and turned 180 degrees.</summary>
    public bool TextLines { get; init; }
    public int LatencyRuns { get; init; } = 20;
    public int Threads { get; init; } = 2;
    /// <summary>Have ORT record both models' operator times (<see cref="OrtProfile"/>) under this path prefix.</summary>
    public string? ProfilePrefix { get; init; }
    /// <summary>Probability above which a map pixel counts as "on" (DBNet's text threshold).</summary>
    public float MapThreshold { get; init; } = 0.3f;
    /// <summary>Mean probability a map region needs to count as a text region (PaddleOCR's DB box threshold).</summary>
    public float MapBoxThreshold { get; init; } = 0.6f;
}

/// <summary>
/// Runs the candidate and its float reference on the same preprocessed inputs: quality against
/// ground truth and against the reference, output differences, and latency of both interleaved in
/// one run so that both see the same machine.
/// </summary>
public static class Evaluator
{
    public static EvalReport Run(EvalOptions o, Action<string> progress)
    {
        foreach (string m in new[] { o.Candidate, o.Reference })
            Onnx.OnnxFile.Load(m); // one-line error for a missing or non-ONNX file
        if (o.LatencyRuns < 1) throw new ToolException($"--runs {o.LatencyRuns}: expected 1 or more");
        string cardPath = o.Card ?? (File.Exists(ModelCardLoader.CardPathFor(o.Candidate)) ? ModelCardLoader.CardPathFor(o.Candidate) : ModelCardLoader.CardPathFor(o.Reference));
        using var feeder = new ImageFeeder(cardPath);
        var files = ImageFeeder.ImagesIn(o.ImagesDir, "--images");
        string kind = feeder.Card.Postprocess.Kind switch { "classification" => "classifier", "map" => "map", _ => "detector" };
        if (o.TextLines && kind != "classifier") throw new ToolException($"--text-lines: {cardPath} is not a classifier's card (text lines judge a text-direction classifier)");
        // With text lines the truth is known: label "0" upright, "180" turned.
        int upright = feeder.Card.Labels.IndexOf("0"), turned = feeder.Card.Labels.IndexOf("180");
        if (o.TextLines && (upright < 0 || turned < 0)) throw new ToolException($"--text-lines: {cardPath} has no labels \"0\" and \"180\" (a text-direction classifier's)");
        var samples = feeder.Samples(files, kind == "classifier" ? o.CropRows : 0, o.TextLines);
        Dictionary<string, AnnotatedImage>? truth = null;
        if (o.Annotations is { } a)
        {
            if (!File.Exists(a)) throw new ToolException($"--annotations {a}: no such file");
            try { truth = DlibDataset.Load(a).ToDictionary(i => Path.GetFileName(i.File)); }
            catch (Exception e) when (e is FormatException or System.Xml.XmlException) { throw new ToolException($"--annotations {a}: {e.Message}"); }
            if (!files.Any(f => truth.ContainsKey(Path.GetFileName(f))))
                throw new ToolException($"--annotations {a}: none of its images is in --images {o.ImagesDir}");
        }

        var options = new SessionOptions { IntraOpThreads = o.Threads };
        using var refSession = OrtSession.FromFile(o.Reference, options with { ProfilePrefix = o.ProfilePrefix is { } rp ? rp + ".reference" : null });
        using var candSession = OrtSession.FromFile(o.Candidate, options with { ProfilePrefix = o.ProfilePrefix is { } cp ? cp + ".candidate" : null });
        var shape = new Dictionary<string, long[]> { [refSession.Inputs[0].Name] = feeder.InputShape };
        using var refRunner = new ModelRunner(refSession, shape);
        using var candRunner = new ModelRunner(candSession, new Dictionary<string, long[]> { [candSession.Inputs[0].Name] = feeder.InputShape });
        if (refRunner.Count != candRunner.Count || Enumerable.Range(0, refRunner.Count).Any(i => refRunner.NameOf(i) != candRunner.NameOf(i)))
            throw new ToolException($"{o.Candidate}: its outputs ({string.Join(", ", Enumerable.Range(0, candRunner.Count).Select(candRunner.NameOf))}) differ from {o.Reference}'s");
        BoundModel? refBound = null, candBound = null;
        if (kind != "map")
        {
            refBound = CardBinding.Bind(feeder.Card, cardPath, refSession);
            candBound = CardBinding.Bind(feeder.Card, cardPath, candSession);
        }

        var errors = new ErrorStats[refRunner.Count];
        for (int i = 0; i < errors.Length; i++) errors[i] = new ErrorStats();
        MatchCounts refTruth = default, candTruth = default, candRef = default;
        int agree = 0, classified = 0, confident = 0, agreeConfident = 0, refCorrect = 0, candCorrect = 0;
        long mapIntersection = 0, mapUnion = 0;
        var refResult = new InferenceResult();
        var candResult = new InferenceResult();
        for (int s = 0; s < samples.Count; s++)
        {
            var sample = samples[s];
            var (image, mapping) = feeder.Fill(sample, refRunner.Input(0).Bytes);
            refRunner.Input(0).Bytes.CopyTo(candRunner.Input(0).Bytes);
            refRunner.Run();
            candRunner.Run();
            for (int i = 0; i < errors.Length; i++)
                if (refRunner.ElementTypeOf(i) == TensorElementType.Float) errors[i].Add(refRunner.AsFloat(i), candRunner.AsFloat(i));
            if (kind == "map")
            {
                var r = refRunner.AsFloat(0); var c = candRunner.AsFloat(0);
                for (int p = 0; p < r.Length; p++)
                {
                    bool ro = r[p] > o.MapThreshold, co = c[p] > o.MapThreshold;
                    if (ro && co) mapIntersection++;
                    if (ro || co) mapUnion++;
                }
                // Text regions, matched like a detector's boxes against the reference's.
                var dims = refRunner.ShapeOf(0);
                int mh = (int)dims[^2], mw = (int)dims[^1];
                candRef += DetectionMatcher.Match(MapRegions.Find(c, mh, mw, o.MapThreshold, minMeanScore: o.MapBoxThreshold), MapRegions.Find(r, mh, mw, o.MapThreshold, minMeanScore: o.MapBoxThreshold), []);
                continue;
            }
            refResult.Clear(); candResult.Clear();
            refBound!.Postprocessor.Process(refRunner, mapping, refResult);
            candBound!.Postprocessor.Process(candRunner, mapping, candResult);
            if (kind == "classifier")
            {
                classified++;
                bool same = refResult.ClassCount > 0 && candResult.ClassCount > 0 && refResult.TopClasses[0].Index == candResult.TopClasses[0].Index;
                if (same) agree++;
                if (o.TextLines)
                {
                    int truthIndex = sample.Rotated180 ? turned : upright;
                    if (refResult.ClassCount > 0 && refResult.TopClasses[0].Index == truthIndex) refCorrect++;
                    if (candResult.ClassCount > 0 && candResult.TopClasses[0].Index == truthIndex) candCorrect++;
                }
                if (refResult.ClassCount > 0 && refResult.TopClasses[0].Score >= 0.9f)
                {
                    confident++;
                    if (same) agreeConfident++;
                }
                continue;
            }
            refResult.Detections.SortByScoreDescending();
            candResult.Detections.SortByScoreDescending();
            var refBoxes = Boxes(refResult);
            var candBoxes = Boxes(candResult);
            candRef += DetectionMatcher.Match(candBoxes, refBoxes, []);
            if (truth is not null && sample.Crop is null && truth.TryGetValue(Path.GetFileName(sample.Path), out var t))
            {
                refTruth += DetectionMatcher.Match(refBoxes, t.Boxes, t.Ignored);
                candTruth += DetectionMatcher.Match(candBoxes, t.Boxes, t.Ignored);
            }
            _ = image;
        }
        progress($"accuracy measured on {samples.Count} inputs; timing {o.LatencyRuns} rounds");

        // Latency: the two models alternate on every input, round after round, after a warm-up.
        var refTimes = new List<double>();
        var candTimes = new List<double>();
        int timed = Math.Min(samples.Count, 8);
        for (int w = 0; w < 3; w++) { refRunner.Run(); candRunner.Run(); }
        for (int r = 0; r < o.LatencyRuns; r++)
        {
            for (int s = 0; s < timed; s++)
            {
                feeder.Fill(samples[s], refRunner.Input(0).Bytes);
                refRunner.Input(0).Bytes.CopyTo(candRunner.Input(0).Bytes);
                refTimes.Add(Time(refRunner));
                candTimes.Add(Time(candRunner));
            }
        }

        bool detector = kind == "detector";
        return new EvalReport
        {
            Candidate = o.Candidate,
            Reference = o.Reference,
            Kind = kind,
            Images = files.Count,
            Inputs = samples.Count,
            CandidateBytes = new FileInfo(o.Candidate).Length,
            ReferenceBytes = new FileInfo(o.Reference).Length,
            CandidateMedianMs = Median(candTimes),
            ReferenceMedianMs = Median(refTimes),
            LatencyRuns = refTimes.Count,
            Threads = o.Threads,
            CandidateVsTruth = detector && truth is not null ? Quality(candTruth) : null,
            ReferenceVsTruth = detector && truth is not null ? Quality(refTruth) : null,
            CandidateVsReference = detector || kind == "map" ? Quality(candRef) : null,
            Top1Agreement = kind == "classifier" ? agree / (double)Math.Max(1, classified) : null,
            Top1AgreementConfident = kind == "classifier" && confident > 0 ? agreeConfident / (double)confident : null,
            ConfidentInputs = kind == "classifier" ? confident : null,
            ReferenceAccuracy = o.TextLines ? refCorrect / (double)Math.Max(1, classified) : null,
            CandidateAccuracy = o.TextLines ? candCorrect / (double)Math.Max(1, classified) : null,
            MapIoU = kind == "map" ? (mapUnion == 0 ? 1 : mapIntersection / (double)mapUnion) : null,
            Outputs = Enumerable.Range(0, errors.Length).Select(i => errors[i].Result(refRunner.NameOf(i))).ToList(),
        };
    }

    private static BoxF[] Boxes(InferenceResult r)
    {
        var span = r.Detections.AsSpan();
        var boxes = new BoxF[span.Length];
        for (int i = 0; i < span.Length; i++) boxes[i] = span[i].Box;
        return boxes;
    }

    private static DetectionQuality Quality(MatchCounts c) => new(c.TruePositives, c.FalsePositives, c.FalseNegatives, c.Precision, c.Recall);

    private static double Time(ModelRunner runner)
    {
        long start = Stopwatch.GetTimestamp();
        runner.Run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed class ErrorStats
    {
        private double _sumAbs, _max, _sumSq, _refSq;
        private long _count;

        public void Add(ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate)
        {
            int n = Math.Min(reference.Length, candidate.Length);
            for (int i = 0; i < n; i++)
            {
                double d = Math.Abs((double)candidate[i] - reference[i]);
                if (double.IsNaN(d)) d = double.PositiveInfinity;
                _sumAbs += d; _sumSq += d * d; _refSq += (double)reference[i] * reference[i];
                if (d > _max) _max = d;
            }
            _count += n;
        }

        public OutputError Result(string name) => new(name, _count == 0 ? 0 : _sumAbs / _count, _max, _refSq == 0 ? 0 : Math.Sqrt(_sumSq / _refSq));
    }
}
