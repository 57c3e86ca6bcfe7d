using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference;

namespace EdgeCam.Vision.Postprocessing;

public sealed record BlazeFaceOptions
{
    /// <summary>Model input side in pixels (128 front, 256 back); raw offsets are in these pixels.</summary>
    public int InputSize { get; init; } = 128;
    public float MinScore { get; init; } = 0.5f;
    public float IouThreshold { get; init; } = 0.3f;
    public int MaxDetections { get; init; } = 64;
}

/// <summary>
/// MediaPipe BlazeFace: 896 SSD anchors (a 16x16 grid with 2 anchors a cell, then an 8x8 grid
/// with 6, centres at (cell + 0.5) / cells, fixed size 1), per anchor a score logit and 16
/// regressors: box centre offset, width, height, then 6 keypoints (right eye, left eye, nose,
/// mouth, right ear, left ear), all in input pixels relative to the anchor centre.
/// The two output pairs (scores [1,512,1]/[1,384,1], regressors [1,512,16]/[1,384,16]) are found
/// by shape, so export names do not matter.
/// </summary>
public sealed class BlazeFaceDecoder : IPostprocessor
{
    public const int Keypoints = 6;
    private static readonly (int Cells, int PerCell)[] Grids = [(16, 2), (8, 6)];
    private readonly BlazeFaceOptions _options;
    private readonly float[] _anchors; // cx, cy normalised, per anchor in output order
    private readonly CandidateBuffer _candidates;
    private readonly float _minLogit;
    private readonly int[] _scoreOutput = new int[2], _boxOutput = new int[2];
    private bool _validated;

    public BlazeFaceDecoder(BlazeFaceOptions options)
    {
        _options = options;
        int total = Grids.Sum(g => g.Cells * g.Cells * g.PerCell);
        _anchors = new float[total * 2];
        int a = 0;
        foreach (var (cells, perCell) in Grids)
            for (int y = 0; y < cells; y++)
                for (int x = 0; x < cells; x++)
                    for (int k = 0; k < perCell; k++)
                    {
                        _anchors[a * 2] = (x + 0.5f) / cells;
                        _anchors[a * 2 + 1] = (y + 0.5f) / cells;
                        a++;
                    }
        _candidates = new CandidateBuffer(total, Keypoints);
        // sigmoid(logit) >= minScore  <=>  logit >= logit(minScore): compare logits, skip the exp for most anchors.
        float p = Math.Clamp(options.MinScore, 1e-6f, 1 - 1e-6f);
        _minLogit = MathF.Log(p / (1 - p));
    }

    public void Validate(ITensorSet outputs)
    {
        for (int g = 0; g < Grids.Length; g++)
        {
            int anchors = Grids[g].Cells * Grids[g].Cells * Grids[g].PerCell;
            _scoreOutput[g] = Find(outputs, anchors, 1);
            _boxOutput[g] = Find(outputs, anchors, 16);
        }
        _validated = true;
    }

    private static int Find(ITensorSet outputs, int anchors, int width)
    {
        for (int i = 0; i < outputs.Count; i++)
        {
            var s = outputs.ShapeOf(i);
            if (s.Length == 3 && s[0] == 1 && s[1] == anchors && s[2] == width) return i;
        }
        var shapes = string.Join(", ", Enumerable.Range(0, outputs.Count).Select(i => $"{outputs.NameOf(i)} {ShapeText(outputs.ShapeOf(i))}"));
        throw new InvalidOperationException($"BlazeFace decoder: no output of shape [1,{anchors},{width}] (outputs: {shapes})");
    }

    private static string ShapeText(ReadOnlySpan<long> shape) => "[" + string.Join(",", shape.ToArray()) + "]";

    public void Process(ITensorSet outputs, in InputMapping mapping, InferenceResult result)
    {
        if (!_validated) Validate(outputs);
        _candidates.Clear();
        float size = _options.InputSize;
        int anchorBase = 0;
        for (int g = 0; g < Grids.Length; g++)
        {
            var scores = outputs.AsFloat(_scoreOutput[g]);
            var regressors = outputs.AsFloat(_boxOutput[g]);
            for (int i = 0; i < scores.Length; i++)
            {
                float logit = scores[i];
                if (!(logit >= _minLogit)) continue; // also drops NaN
                int a = anchorBase + i;
                float ax = _anchors[a * 2] * size, ay = _anchors[a * 2 + 1] * size;
                var r = regressors.Slice(i * 16, 16);
                float cx = ax + r[0], cy = ay + r[1], hw = r[2] * 0.5f, hh = r[3] * 0.5f;
                float score = 1f / (1f + MathF.Exp(-Math.Clamp(logit, -100f, 100f)));
                int c = _candidates.Add(cx - hw, cy - hh, cx + hw, cy + hh, score, 0);
                if (c < 0) break;
                for (int k = 0; k < Keypoints; k++)
                {
                    _candidates.Keypoints[(c * Keypoints + k) * 2] = ax + r[4 + 2 * k];
                    _candidates.Keypoints[(c * Keypoints + k) * 2 + 1] = ay + r[5 + 2 * k];
                }
            }
            anchorBase += scores.Length;
        }
        NonMaxSuppression.Weighted(_candidates, _options.IouThreshold, _options.MaxDetections, mapping, result);
    }
}
