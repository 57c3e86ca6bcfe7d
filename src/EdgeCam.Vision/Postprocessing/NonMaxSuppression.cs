using EdgeCam.Imaging.Preprocessing;

namespace EdgeCam.Vision.Postprocessing;

/// <summary>Non-maximum suppression over a <see cref="CandidateBuffer"/>, allocation-free.</summary>
public static class NonMaxSuppression
{
    /// <summary>
    /// Hard NMS: best first, every lower-scored candidate overlapping a kept one by IoU &gt;
    /// <paramref name="iouThreshold"/> is dropped (only within the same class unless
    /// <paramref name="classAgnostic"/>). Kept ones go to <paramref name="result"/>.
    /// </summary>
    public static void Hard(CandidateBuffer c, float iouThreshold, bool classAgnostic, int maxDetections,
        in InputMapping mapping, InferenceResult result)
    {
        var order = c.SortByScore();
        var suppressed = c.Suppressed;
        suppressed.Clear();
        int kept = 0;
        for (int a = 0; a < order.Length && kept < maxDetections; a++)
        {
            int i = order[a];
            if (suppressed[i]) continue;
            c.Emit(i, mapping, result);
            kept++;
            var box = c.Box(i);
            for (int b = a + 1; b < order.Length; b++)
            {
                int j = order[b];
                if (suppressed[j] || (!classAgnostic && c.Classes[j] != c.Classes[i])) continue;
                if (box.IoU(c.Box(j)) > iouThreshold) suppressed[j] = true;
            }
        }
    }

    /// <summary>
    /// MediaPipe's weighted NMS: the best remaining candidate and every candidate overlapping it by
    /// IoU &gt; <paramref name="iouThreshold"/> form a cluster; the output is the score-weighted mean
    /// of the cluster's boxes and keypoints, with the best candidate's score. Smoother than hard NMS
    /// on anchor-dense detectors like BlazeFace.
    /// </summary>
    public static void Weighted(CandidateBuffer c, float iouThreshold, int maxDetections, in InputMapping mapping, InferenceResult result)
    {
        var order = c.SortByScore();
        var suppressed = c.Suppressed;
        suppressed.Clear();
        int kept = 0;
        int kp = c.KeypointCount;
        Span<float> sums = stackalloc float[4 + 2 * Detection.MaxKeypoints];
        for (int a = 0; a < order.Length && kept < maxDetections; a++)
        {
            int i = order[a];
            if (suppressed[i]) continue;
            var best = c.Box(i);
            sums.Clear();
            float total = 0;
            for (int b = a; b < order.Length; b++)
            {
                int j = order[b];
                if (suppressed[j]) continue;
                if (j != i && best.IoU(c.Box(j)) <= iouThreshold) continue;
                suppressed[j] = true;
                float w = c.Scores[j];
                total += w;
                for (int k = 0; k < 4; k++) sums[k] += c.Boxes[j * 4 + k] * w;
                for (int k = 0; k < Math.Min(kp, Detection.MaxKeypoints) * 2; k++) sums[4 + k] += c.Keypoints[j * kp * 2 + k] * w;
            }
            var d = new Detection { ClassIndex = c.Classes[i], Score = c.Scores[i] };
            d.Box = CandidateBuffer.MapBox(sums[0] / total, sums[1] / total, sums[2] / total, sums[3] / total, mapping);
            for (int k = 0; k < Math.Min(kp, Detection.MaxKeypoints); k++)
                d.SetKeypoint(k, mapping.MapX(sums[4 + 2 * k] / total), mapping.MapY(sums[5 + 2 * k] / total));
            result.Detections.Add(d);
            kept++;
        }
    }
}
