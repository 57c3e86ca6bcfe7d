using EdgeCam.Inference.Onnx;
using EdgeCam.Updates.Bundles;
using EdgeCam.Updates.Tuf;

namespace EdgeCam.Updating;

/// <summary>
/// A bundle proves itself before it runs: its model, in its own (shadow) session, must reproduce
/// the bundle's self-test outputs from its self-test inputs within the tolerance, every output must
/// be finite, and every output's shape must fit what the model declares.
/// </summary>
public static class ModelSelfTest
{
    public static void Run(OrtSession session, string bundleDirectory, BundleManifest manifest)
    {
        string version = $"bundle {manifest.Name} {manifest.Version}";
        for (int v = 0; v < manifest.SelfTest.Vectors.Count; v++)
        {
            var vector = manifest.SelfTest.Vectors[v];
            string where = $"{version}: self-test vector {v}";
            Dictionary<string, long[]> shapes;
            try
            {
                shapes = vector.Inputs.ToDictionary(i => i.Name, i => i.Shape);
            }
            catch (ArgumentException)
            {
                throw new UpdateRejectedException(UpdateFailure.SelfTest, $"{where}: an input is listed twice");
            }
            using var runner = CreateRunner(session, shapes, where);
            foreach (var input in vector.Inputs)
            {
                var buffer = runner.Inputs.FirstOrDefault(b => b.Name == input.Name)
                    ?? throw new UpdateRejectedException(UpdateFailure.SelfTest, $"{where}: the model has no input '{input.Name}'");
                byte[] bytes = File.ReadAllBytes(Path.Combine(bundleDirectory, input.File));
                if (bytes.Length != buffer.ByteLength)
                    throw new UpdateRejectedException(UpdateFailure.SelfTest, $"{where}: {input.File} holds {bytes.Length} bytes, input '{input.Name}' takes {buffer.ByteLength}");
                bytes.CopyTo(buffer.Bytes);
            }
            try
            {
                runner.Run();
            }
            catch (OrtException e)
            {
                throw new UpdateRejectedException(UpdateFailure.SelfTest, $"{where}: the model failed to run: {e.Message}");
            }
            CheckOutputs(session, runner, where);
            foreach (var expected in vector.Outputs) Compare(runner, expected, bundleDirectory, manifest.SelfTest.Tolerance, where);
        }
    }

    private static ModelRunner CreateRunner(OrtSession session, Dictionary<string, long[]> shapes, string where)
    {
        try
        {
            return new ModelRunner(session, shapes);
        }
        catch (Exception e) when (e is OrtException or ArgumentException or InvalidOperationException)
        {
            throw new UpdateRejectedException(UpdateFailure.SelfTest, $"{where}: its inputs do not fit the model: {e.Message}");
        }
    }

    /// <summary>Every float output finite, every output's shape what the model declares (symbolic dims aside).</summary>
    private static void CheckOutputs(OrtSession session, ModelRunner runner, string where)
    {
        for (int o = 0; o < runner.Count; o++)
        {
            var declared = session.Outputs[o].Shape;
            var actual = runner.ShapeOf(o);
            bool fits = declared.Length == actual.Length;
            for (int d = 0; fits && d < declared.Length; d++) fits = declared[d] < 0 || declared[d] == actual[d];
            if (!fits)
                throw new UpdateRejectedException(UpdateFailure.SelfTest,
                    $"{where}: output '{runner.NameOf(o)}' has shape {NodeInfo.FormatShape(actual)}, the model declares {session.Outputs[o].ShapeText}");
            if (runner.ElementTypeOf(o) != TensorElementType.Float) continue;
            var values = runner.AsFloat(o);
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i]))
                    throw new UpdateRejectedException(UpdateFailure.SelfTest, $"{where}: output '{runner.NameOf(o)}' element {i} is {values[i]}, not finite");
        }
    }

    private static void Compare(ModelRunner runner, TensorEntry expected, string bundleDirectory, double tolerance, string where)
    {
        int index = runner.IndexOf(expected.Name);
        if (index < 0) throw new UpdateRejectedException(UpdateFailure.SelfTest, $"{where}: the model has no output '{expected.Name}'");
        if (expected.ElementType != "float32" || runner.ElementTypeOf(index) != TensorElementType.Float)
            throw new UpdateRejectedException(UpdateFailure.SelfTest, $"{where}: output '{expected.Name}': self-tests compare float32 outputs only");
        if (!runner.ShapeOf(index).SequenceEqual(expected.Shape))
            throw new UpdateRejectedException(UpdateFailure.SelfTest,
                $"{where}: output '{expected.Name}' has shape {NodeInfo.FormatShape(runner.ShapeOf(index))}, the bundle expects {NodeInfo.FormatShape(expected.Shape)}");
        byte[] bytes = File.ReadAllBytes(Path.Combine(bundleDirectory, expected.File));
        var want = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes);
        var got = runner.AsFloat(index);
        if (want.Length != got.Length)
            throw new UpdateRejectedException(UpdateFailure.SelfTest, $"{where}: {expected.File} holds {want.Length} values, output '{expected.Name}' has {got.Length}");
        double worst = 0;
        int worstAt = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double diff = Math.Abs((double)got[i] - want[i]);
            if (!(diff <= worst)) { worst = diff; worstAt = i; }
        }
        if (!(worst <= tolerance))
            throw new UpdateRejectedException(UpdateFailure.SelfTest,
                $"{where}: output '{expected.Name}' element {worstAt} is {got[worstAt]}, expected {want[worstAt]} (difference {worst:g3} > tolerance {tolerance:g3})");
    }
}
