using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference;

namespace EdgeCam.Vision.Postprocessing;

public enum SoftmaxMode { Auto, Always, Never }

public sealed record ClassificationOptions
{
    public int TopK { get; init; } = 5;
    public float MinScore { get; init; }
    /// <summary>Auto: apply softmax unless the vector already is a distribution (all in [0,1], sum ~1).</summary>
    public SoftmaxMode Softmax { get; init; } = SoftmaxMode.Auto;
    /// <summary>The output to read; null = the first.</summary>
    public string? Output { get; init; }
}

/// <summary>Classifier outputs ([1,C] or [C]) to the top-k classes, best first.</summary>
public sealed class ClassificationDecoder(ClassificationOptions options) : IPostprocessor
{
    private int _output = -1;
    private float[] _probabilities = [];

    public void Validate(ITensorSet outputs)
    {
        _output = options.Output is null ? 0 : outputs.IndexOf(options.Output);
        if (_output < 0)
            throw new InvalidOperationException($"classification decoder: the model has no output '{options.Output}' " +
                $"(outputs: {string.Join(", ", Enumerable.Range(0, outputs.Count).Select(outputs.NameOf))})");
        var shape = outputs.ShapeOf(_output);
        long classes = shape.Length == 0 ? 0 : shape[^1];
        bool ok = (shape.Length == 1 || (shape.Length == 2 && shape[0] == 1)) && classes > 0;
        if (!ok)
            throw new InvalidOperationException($"classification decoder: output '{outputs.NameOf(_output)}' has shape " +
                $"[{string.Join(",", shape.ToArray())}], expected [1,C] or [C]");
        _probabilities = new float[classes];
    }

    public void Process(ITensorSet outputs, in InputMapping mapping, InferenceResult result)
    {
        if (_output < 0) Validate(outputs);
        var values = outputs.AsFloat(_output);
        if (values.Length != _probabilities.Length) _probabilities = new float[values.Length];
        values.CopyTo(_probabilities);
        if (options.Softmax == SoftmaxMode.Always || (options.Softmax == SoftmaxMode.Auto && !IsDistribution(values)))
            Softmax(_probabilities);
        int k = Math.Min(Math.Min(options.TopK, _probabilities.Length), result.Classes.Length);
        result.ClassCount = 0;
        // Selection of the k best: O(C*k), no allocation, k is small.
        for (int n = 0; n < k; n++)
        {
            int best = -1;
            for (int c = 0; c < _probabilities.Length; c++)
            {
                if (float.IsNaN(_probabilities[c]) || Taken(result, n, c)) continue;
                if (best < 0 || _probabilities[c] > _probabilities[best]) best = c;
            }
            if (best < 0 || _probabilities[best] < options.MinScore) break;
            result.Classes[n] = new ClassScore(best, _probabilities[best]);
            result.ClassCount = n + 1;
        }
    }

    private static bool Taken(InferenceResult result, int count, int c)
    {
        for (int i = 0; i < count; i++) if (result.Classes[i].Index == c) return true;
        return false;
    }

    public static bool IsDistribution(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values)
        {
            if (v < 0 || v > 1) return false;
            sum += v;
        }
        return Math.Abs(sum - 1) < 1e-3;
    }

    public static void Softmax(Span<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (float v in values) max = MathF.Max(max, v);
        double sum = 0;
        for (int i = 0; i < values.Length; i++) { values[i] = MathF.Exp(values[i] - max); sum += values[i]; }
        float inv = (float)(1 / sum);
        for (int i = 0; i < values.Length; i++) values[i] *= inv;
    }
}
