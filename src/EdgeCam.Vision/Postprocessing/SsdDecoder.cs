using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference;

namespace EdgeCam.Vision.Postprocessing;

public enum SsdBoxEncoding
{
    /// <summary>Boxes are already decoded: (ymin, xmin, ymax, xmax) normalised, as TensorFlow exports give them.</summary>
    Decoded,
    /// <summary>Offsets from priors in Caffe order (cx, cy, w, h) with variances.</summary>
    CenterSizeXY,
    /// <summary>Offsets from priors in TensorFlow order (cy, cx, h, w) with variances.</summary>
    CenterSizeYX,
}

public sealed record SsdOptions
{
    public SsdBoxEncoding Encoding { get; init; } = SsdBoxEncoding.Decoded;
    /// <summary>Priors (cx, cy, w, h normalised) for the encoded variants; see <see cref="SsdPriors"/>.</summary>
    public float[]? Priors { get; init; }
    /// <summary>Variances for centre x/y and width/height (Caffe SSD: 0.1, 0.2; TF: 1/10, 1/5).</summary>
    public float CenterVariance { get; init; } = 0.1f;
    public float SizeVariance { get; init; } = 0.2f;
    /// <summary>Scores are logits: softmax across classes (class 0 is background), else sigmoid.</summary>
    public bool Softmax { get; init; } = true;
    /// <summary>Whether class 0 is the background class and never reported.</summary>
    public bool BackgroundClass { get; init; } = true;
    public float MinScore { get; init; } = 0.5f;
    public float IouThreshold { get; init; } = 0.45f;
    public int MaxDetections { get; init; } = 100;
    public bool ClassAgnosticNms { get; init; }
    public int InputWidth { get; init; } = 300;
    public int InputHeight { get; init; } = 300;
    /// <summary>Names of the box and score outputs; null = found by shape (last dim 4 = boxes).</summary>
    public string? BoxesOutput { get; init; }
    public string? ScoresOutput { get; init; }
}

/// <summary>SSD-style heads: boxes [1,N,4] (decoded or prior-encoded) and scores [1,N,C], with per-class NMS.</summary>
public sealed class SsdDecoder(SsdOptions options) : IPostprocessor
{
    private int _boxes = -1, _scores = -1, _anchors, _classes;
    private CandidateBuffer _candidates = new(0);
    private float[] _row = [];

    public void Validate(ITensorSet outputs)
    {
        _boxes = Pick(outputs, options.BoxesOutput, want4: true);
        _scores = Pick(outputs, options.ScoresOutput, want4: false);
        var b = outputs.ShapeOf(_boxes);
        var s = outputs.ShapeOf(_scores);
        if (b.Length != 3 || b[0] != 1 || b[2] != 4 || s.Length != 3 || s[0] != 1 || s[1] != b[1])
            throw new InvalidOperationException($"SSD decoder: boxes '{outputs.NameOf(_boxes)}' [{string.Join(",", b.ToArray())}] and scores " +
                $"'{outputs.NameOf(_scores)}' [{string.Join(",", s.ToArray())}] do not form [1,N,4] and [1,N,C]");
        _anchors = (int)b[1];
        _classes = (int)s[2];
        if (options.Encoding != SsdBoxEncoding.Decoded && (options.Priors is null || options.Priors.Length != _anchors * 4))
            throw new InvalidOperationException($"SSD decoder: {options.Encoding} boxes need {_anchors} priors (cx,cy,w,h), " +
                $"got {(options.Priors?.Length ?? 0) / 4}");
        _candidates = new CandidateBuffer(_anchors * Math.Max(1, _classes));
        _row = new float[_classes];
    }

    private static int Pick(ITensorSet outputs, string? name, bool want4)
    {
        if (name is not null)
        {
            int i = outputs.IndexOf(name);
            return i >= 0 ? i : throw new InvalidOperationException($"SSD decoder: the model has no output '{name}'");
        }
        for (int i = 0; i < outputs.Count; i++)
        {
            var s = outputs.ShapeOf(i);
            if (s.Length == 3 && (s[2] == 4) == want4) return i;
        }
        throw new InvalidOperationException($"SSD decoder: no {(want4 ? "box output [1,N,4]" : "score output [1,N,C]")} among the model's outputs");
    }

    public void Process(ITensorSet outputs, in InputMapping mapping, InferenceResult result)
    {
        if (_boxes < 0) Validate(outputs);
        var boxes = outputs.AsFloat(_boxes);
        var scores = outputs.AsFloat(_scores);
        _candidates.Clear();
        int firstClass = options.BackgroundClass ? 1 : 0;
        for (int a = 0; a < _anchors; a++)
        {
            scores.Slice(a * _classes, _classes).CopyTo(_row);
            if (options.Softmax) ClassificationDecoder.Softmax(_row);
            else for (int c = 0; c < _classes; c++) _row[c] = 1f / (1f + MathF.Exp(-_row[c]));
            bool decoded = false;
            float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            for (int c = firstClass; c < _classes; c++)
            {
                if (!(_row[c] >= options.MinScore)) continue;
                if (!decoded) { (x0, y0, x1, y1) = DecodeBox(boxes.Slice(a * 4, 4), a); decoded = true; }
                _candidates.Add(x0 * options.InputWidth, y0 * options.InputHeight, x1 * options.InputWidth, y1 * options.InputHeight,
                    _row[c], c);
            }
        }
        NonMaxSuppression.Hard(_candidates, options.IouThreshold, options.ClassAgnosticNms, options.MaxDetections, mapping, result);
    }

    private (float X0, float Y0, float X1, float Y1) DecodeBox(ReadOnlySpan<float> r, int anchor)
    {
        if (options.Encoding == SsdBoxEncoding.Decoded) return (r[1], r[0], r[3], r[2]);
        var p = options.Priors!.AsSpan(anchor * 4, 4);
        bool xy = options.Encoding == SsdBoxEncoding.CenterSizeXY;
        float dx = xy ? r[0] : r[1], dy = xy ? r[1] : r[0], dw = xy ? r[2] : r[3], dh = xy ? r[3] : r[2];
        float cx = p[0] + dx * options.CenterVariance * p[2];
        float cy = p[1] + dy * options.CenterVariance * p[3];
        float w = p[2] * MathF.Exp(dw * options.SizeVariance);
        float h = p[3] * MathF.Exp(dh * options.SizeVariance);
        return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
    }
}

/// <summary>SSD prior boxes from the usual recipe: per feature map of size f with scale s, for every
/// cell a box per aspect ratio a (w = s*sqrt(a), h = s/sqrt(a)) plus one of scale sqrt(s * s_next).</summary>
public static class SsdPriors
{
    public static float[] Generate(int[] featureMapSizes, float[] scales, float[] aspectRatios)
    {
        if (scales.Length != featureMapSizes.Length + 1)
            throw new ArgumentException("SSD priors need one scale per feature map plus one (the next scale of the last map)");
        var priors = new List<float>();
        for (int k = 0; k < featureMapSizes.Length; k++)
        {
            int f = featureMapSizes[k];
            float s = scales[k], extra = MathF.Sqrt(s * scales[k + 1]);
            for (int i = 0; i < f; i++)
                for (int j = 0; j < f; j++)
                {
                    float cx = (j + 0.5f) / f, cy = (i + 0.5f) / f;
                    foreach (float a in aspectRatios) priors.AddRange([cx, cy, s * MathF.Sqrt(a), s / MathF.Sqrt(a)]);
                    priors.AddRange([cx, cy, extra, extra]);
                }
        }
        return priors.ToArray();
    }
}
