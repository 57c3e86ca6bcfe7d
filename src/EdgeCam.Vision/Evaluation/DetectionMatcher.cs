namespace EdgeCam.Vision.Evaluation;

/// <summary>Counts of a detector against ground truth.</summary>
public record struct MatchCounts(int TruePositives, int FalsePositives, int FalseNegatives)
{
    public readonly double Precision => TruePositives + FalsePositives == 0 ? 1 : TruePositives / (double)(TruePositives + FalsePositives);
    public readonly double Recall => TruePositives + FalseNegatives == 0 ? 1 : TruePositives / (double)(TruePositives + FalseNegatives);

    public static MatchCounts operator +(MatchCounts a, MatchCounts b) =>
        new(a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives, a.FalseNegatives + b.FalseNegatives);
}

/// <summary>
/// Greedy matching as in PASCAL VOC: detections in descending score order each take the unmatched
/// ground-truth box they overlap most, if that IoU reaches the threshold (true positive); others
/// are false positives unless they overlap an ignored box; unmatched ground truth are misses.
/// </summary>
public static class DetectionMatcher
{
    public static MatchCounts Match(ReadOnlySpan<BoxF> detectionsBestFirst, IReadOnlyList<BoxF> truth,
        IReadOnlyList<BoxF> ignored, float iouThreshold = 0.5f)
    {
        var taken = new bool[truth.Count];
        int tp = 0, fp = 0;
        foreach (var d in detectionsBestFirst)
        {
            int best = -1; float bestIou = iouThreshold;
            for (int t = 0; t < truth.Count; t++)
            {
                if (taken[t]) continue;
                float iou = d.IoU(truth[t]);
                if (iou >= bestIou) { bestIou = iou; best = t; }
            }
            if (best >= 0) { taken[best] = true; tp++; continue; }
            bool onIgnored = false;
            foreach (var g in ignored) if (d.IoU(g) >= iouThreshold) { onIgnored = true; break; }
            if (!onIgnored) fp++;
        }
        return new MatchCounts(tp, fp, truth.Count - tp);
    }
}
