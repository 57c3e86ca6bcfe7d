using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference;

namespace EdgeCam.Vision.Postprocessing;

public enum YoloVersion
{
    /// <summary>[1, N, 5 + C]: cx, cy, w, h, objectness, class scores per row.</summary>
    V5,
    /// <summary>[1, 4 + C, N]: cx, cy, w, h, class scores per column; no objectness.</summary>
    V8,
}

public sealed record YoloOptions
{
    public YoloVersion Version { get; init; } = YoloVersion.V8;
    public float MinScore { get; init; } = 0.25f;
    public float IouThreshold { get; init; } = 0.45f;
    public int MaxDetections { get; init; } = 100;
    public bool ClassAgnosticNms { get; init; }
    /// <summary>The scores are logits: apply a sigmoid (exports without the final activation).</summary>
    public bool Sigmoid { get; init; }
    /// <summary>Boxes are normalised to [0,1] instead of input pixels: multiply by the input size.</summary>
    public bool NormalizedBoxes { get; init; }
    public int InputWidth { get; init; } = 640;
    public int InputHeight { get; init; } = 640;
    public string? Output { get; init; }
}

/// <summary>Ultralytics-style YOLO heads (v5 with objectness, v8 transposed without), with hard NMS.</summary>
public sealed class YoloDecoder(YoloOptions options) : IPostprocessor
{
    private int _output = -1, _anchors, _classes;
    private CandidateBuffer _candidates = new(0);

    public void Validate(ITensorSet outputs)
    {
        _output = options.Output is null ? 0 : outputs.IndexOf(options.Output);
        if (_output < 0) throw new InvalidOperationException($"YOLO decoder: the model has no output '{options.Output}'");
        var s = outputs.ShapeOf(_output);
        int extra = options.Version == YoloVersion.V5 ? 5 : 4;
        bool ok = s.Length == 3 && s[0] == 1;
        if (ok)
        {
            (_anchors, int width) = options.Version == YoloVersion.V5 ? ((int)s[1], (int)s[2]) : ((int)s[2], (int)s[1]);
            _classes = width - extra;
            ok = _classes >= 1 && _anchors >= 1;
        }
        if (!ok)
            throw new InvalidOperationException($"YOLO{(options.Version == YoloVersion.V5 ? "v5" : "v8")} decoder: output " +
                $"'{outputs.NameOf(_output)}' has shape [{string.Join(",", s.ToArray())}], expected " +
                (options.Version == YoloVersion.V5 ? "[1,N,5+C]" : "[1,4+C,N]"));
        _candidates = new CandidateBuffer(_anchors);
    }

    public void Process(ITensorSet outputs, in InputMapping mapping, InferenceResult result)
    {
        if (_output < 0) Validate(outputs);
        var data = outputs.AsFloat(_output);
        _candidates.Clear();
        bool v5 = options.Version == YoloVersion.V5;
        int width = _classes + (v5 ? 5 : 4);
        float sx = options.NormalizedBoxes ? options.InputWidth : 1, sy = options.NormalizedBoxes ? options.InputHeight : 1;
        for (int a = 0; a < _anchors; a++)
        {
            // v5 rows are contiguous; v8 stores each attribute as a row of N.
            int baseIndex = v5 ? a * width : a, step = v5 ? 1 : _anchors;
            float At(int attribute, ReadOnlySpan<float> d) => d[baseIndex + attribute * step];
            float objectness = v5 ? Activate(At(4, data)) : 1f;
            if (objectness < options.MinScore) continue;
            int bestClass = 0;
            float best = float.NegativeInfinity;
            int first = v5 ? 5 : 4;
            for (int c = 0; c < _classes; c++)
            {
                float v = At(first + c, data);
                if (v > best) { best = v; bestClass = c; }
            }
            float score = objectness * Activate(best);
            if (!(score >= options.MinScore)) continue;
            float cx = At(0, data) * sx, cy = At(1, data) * sy, w = At(2, data) * sx, h = At(3, data) * sy;
            _candidates.Add(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, bestClass);
        }
        NonMaxSuppression.Hard(_candidates, options.IouThreshold, options.ClassAgnosticNms, options.MaxDetections, mapping, result);
    }

    private float Activate(float v) => options.Sigmoid ? 1f / (1f + MathF.Exp(-v)) : v;
}
