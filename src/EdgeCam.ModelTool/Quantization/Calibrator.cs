using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Evaluation;
using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Quantization;

public enum CalibrationMethod { MinMax, Percentile, Mse }

/// <summary>A float value range seen on the calibration images.</summary>
public readonly record struct ValueRange(float Min, float Max);

/// <summary>
/// Runs the float model on real calibration images (through the model card's preprocessing) and
/// collects the range of every activation that will be quantised: MinMax takes the extremes;
/// Percentile takes the given percentile at each end from a histogram filled in a second pass,
/// so that rare outliers do not stretch the scale of everything else; Mse takes, from the same
/// histogram, the range whose 8-bit quantisation has the least mean squared error (rounding
/// inside it, clipping outside), so a range is cut exactly as far as its outliers cost less
/// than the resolution they take from everything else.
/// </summary>
public static class Calibrator
{
    private const int Bins = 2048;

    public static Dictionary<string, ValueRange> Collect(ModelProto model, IReadOnlyCollection<string> tensors, ImageFeeder feeder,
        IReadOnlyList<ImageSample> images, CalibrationMethod method, double percentile, string origin, Action<string> progress)
    {
        using var probe = new ActivationProbe(model, tensors, new Dictionary<string, long[]> { [InputName(model)] = feeder.InputShape }, origin);
        var runner = probe.Runner;
        // Slot runner.Count is the model's input: its range comes from the preprocessed values fed
        // to it (the first Conv reads it, and without a range it would stay a float Conv).
        int inputSlot = runner.Count;
        var watched = tensors.Select(probe.IndexOf).Where(i => i >= 0 && runner.ElementTypeOf(i) == TensorElementType.Float).ToList();
        if (tensors.Contains(runner.Input(0).Name) && runner.Input(0).ElementType == TensorElementType.Float) watched.Add(inputSlot);
        var min = new float[runner.Count + 1];
        var max = new float[runner.Count + 1];
        Array.Fill(min, float.PositiveInfinity);
        Array.Fill(max, float.NegativeInfinity);
        int passes = method == CalibrationMethod.MinMax ? 1 : 2;

        for (int i = 0; i < images.Count; i++)
        {
            feeder.Fill(images[i], runner.Input(0).Bytes);
            runner.Run();
            foreach (int o in watched)
            {
                var values = ValuesOf(o);
                if (values.IsEmpty) continue;
                float lo = min[o], hi = max[o];
                foreach (float v in values) { if (v < lo) lo = v; if (v > hi) hi = v; }
                min[o] = lo; max[o] = hi;
            }
            if (Report(i, images.Count)) progress($"calibrating {(passes == 2 ? "pass 1/2, " : "")}input {i + 1}/{images.Count}: {images[i]}");
        }

        var ranges = new Dictionary<string, ValueRange>();
        if (method == CalibrationMethod.MinMax)
        {
            foreach (int o in watched) if (float.IsFinite(min[o])) ranges[NameOf(o)] = new(min[o], max[o]);
            return ranges;
        }

        var histograms = watched.ToDictionary(o => o, _ => new long[Bins]);
        for (int i = 0; i < images.Count; i++)
        {
            feeder.Fill(images[i], runner.Input(0).Bytes);
            runner.Run();
            foreach (int o in watched)
            {
                if (!(max[o] > min[o])) continue;
                var h = histograms[o];
                float lo = min[o], scale = Bins / (max[o] - lo);
                foreach (float v in ValuesOf(o)) h[Math.Clamp((int)((v - lo) * scale), 0, Bins - 1)]++;
            }
            if (Report(i, images.Count)) progress($"calibrating pass 2/2, input {i + 1}/{images.Count}: {images[i]}");
        }
        foreach (int o in watched)
        {
            if (!float.IsFinite(min[o])) continue;
            if (!(max[o] > min[o])) { ranges[NameOf(o)] = new(min[o], max[o]); continue; }
            var h = histograms[o];
            if (method == CalibrationMethod.Mse)
            {
                ranges[NameOf(o)] = LeastSquaredErrorRange(h, min[o], max[o]);
                continue;
            }
            long total = h.Sum();
            double tail = total * (100 - percentile) / 100;
            float width = (max[o] - min[o]) / Bins;
            int lowBin = 0; long seen = 0;
            while (lowBin < Bins - 1 && seen + h[lowBin] <= tail) seen += h[lowBin++];
            int highBin = Bins - 1; seen = 0;
            while (highBin > 0 && seen + h[highBin] <= tail) seen += h[highBin--];
            ranges[NameOf(o)] = new(min[o] + lowBin * width, min[o] + (highBin + 1) * width);
        }
        return ranges;

        ReadOnlySpan<float> ValuesOf(int slot) => slot == inputSlot ? runner.Input(0).AsSpan<float>() : runner.AsFloat(slot);
        string NameOf(int slot) => slot == inputSlot ? runner.Input(0).Name : runner.NameOf(slot);
    }

    /// <summary>
    /// The range [lo, hi] (bin edges, 0 inside) with the least expected squared error of 256-level
    /// quantisation over the histogram: values inside are rounded (error step^2/12), values outside
    /// are clipped to the nearer end. Searched over both ends on a grid of 64 x 64 cuts of the
    /// observed range towards zero.
    /// </summary>
    internal static ValueRange LeastSquaredErrorRange(long[] histogram, float min, float max)
    {
        int bins = histogram.Length;
        double width = (max - (double)min) / bins;
        var centre = new double[bins];
        for (int b = 0; b < bins; b++) centre[b] = min + (b + 0.5) * width;
        double lo0 = Math.Min(min, 0), hi0 = Math.Max(max, 0);
        const int Steps = 64;
        double bestError = double.PositiveInfinity, bestLo = lo0, bestHi = hi0;
        for (int i = 1; i <= Steps; i++)
        {
            double lo = lo0 * i / Steps;
            for (int j = 1; j <= Steps; j++)
            {
                double hi = hi0 * j / Steps;
                if (!(hi > lo)) continue;
                double step = (hi - lo) / 255, rounding = step * step / 12, error = 0;
                for (int b = 0; b < bins && error < bestError; b++)
                {
                    long n = histogram[b];
                    if (n == 0) continue;
                    double v = centre[b];
                    double d = v < lo ? lo - v : v > hi ? v - hi : 0;
                    error += n * (d > 0 ? d * d : rounding);
                }
                if (error < bestError) { bestError = error; bestLo = lo; bestHi = hi; }
            }
        }
        return new ValueRange((float)bestLo, (float)bestHi);
    }

    /// <summary>A progress line for each of the first few inputs, then about every 10%.</summary>
    private static bool Report(int i, int count) => i < 3 || i == count - 1 || (i + 1) % Math.Max(1, count / 10) == 0;

    public static string InputName(ModelProto model)
    {
        var inits = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        return model.Graph.Input.First(i => !inits.Contains(i.Name)).Name;
    }
}

/// <summary>Per-channel statistics of NCHW activations on the calibration images.</summary>
public static class ChannelStatistics
{
    /// <summary>The largest |value| of each channel (axis 1) of each tensor.</summary>
    public static Dictionary<string, float[]> MaxAbs(ModelProto model, IReadOnlyCollection<string> tensors, ImageFeeder feeder,
        IReadOnlyList<ImageSample> samples, string origin)
    {
        using var probe = new ActivationProbe(model, tensors, new Dictionary<string, long[]> { [Calibrator.InputName(model)] = feeder.InputShape }, origin);
        var runner = probe.Runner;
        var result = new Dictionary<string, float[]>();
        foreach (var sample in samples)
        {
            feeder.Fill(sample, runner.Input(0).Bytes);
            runner.Run();
            foreach (string t in tensors)
            {
                int o = probe.IndexOf(t);
                if (o < 0 || runner.ElementTypeOf(o) != TensorElementType.Float) continue;
                var shape = runner.ShapeOf(o);
                if (shape.Length != 4) continue;
                int channels = (int)shape[1], plane = (int)(shape[2] * shape[3]);
                if (!result.TryGetValue(t, out var max)) result[t] = max = new float[channels];
                var values = runner.AsFloat(o);
                for (int c = 0; c < channels; c++)
                {
                    float m = max[c];
                    foreach (float v in values.Slice(c * plane, plane)) m = Math.Max(m, Math.Abs(v));
                    max[c] = m;
                }
            }
        }
        return result;
    }
}
