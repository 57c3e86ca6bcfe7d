using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeCam.Inference.Onnx;

namespace EdgeCam.Tests.Inference;

/// <summary>
/// Runs the same inputs through our binding and through the official onnxruntime-node client
/// (tests/reference/ort-node-client.mjs) and requires the outputs to agree element by element.
/// Both sides use one intra-op thread so reductions happen in the same order.
/// </summary>
public class NodeConformanceTests
{
    private const double Tolerance = 1e-6;

    [Fact]
    public void OcrClassifier_matches_onnxruntime_node() =>
        Compare(TestAssets.OcrClassifier, [1, 3, 48, 192], seed: 1234);

    [Fact]
    public void BlazeFace_front_matches_onnxruntime_node() =>
        Compare(TestAssets.BlazeFaceFront, [1, 128, 128, 3], seed: 5678);

    private static void Compare(string model, long[] shape, uint seed)
    {
        string dir = TestAssets.TempDir("conformance");
        var options = OrtTestSupport.Options(threads: 1);
        using var runner = ModelRunner.Open(model, options);
        var input = runner.Inputs[0];
        if (!input.Shape.SequenceEqual(shape))
        {
            runner.Dispose();
            options.InputShapes[input.Name] = shape;
        }
        using var sized = input.Shape.SequenceEqual(shape) && !options.InputShapes.ContainsKey(input.Name)
            ? null : ModelRunner.Open(model, options);
        var r = sized ?? runner;

        float[] data = OrtTestSupport.PseudoRandom((int)shape.Aggregate(1L, (a, b) => a * b), seed);
        string inputFile = Path.Combine(dir, "input.bin");
        File.WriteAllBytes(inputFile, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        TensorFile.ReadInto(r.Inputs[0], inputFile);
        r.Run();

        string nodeOut = Path.Combine(dir, "node");
        RunNode(model, nodeOut, $"{r.Inputs[0].Name}={inputFile}:{string.Join(",", shape)}");
        var manifest = TensorFile.ReadManifest(nodeOut);
        Assert.Equal(r.Outputs.Count, manifest.Outputs.Count);
        foreach (var entry in manifest.Outputs)
        {
            int i = r.Outputs.IndexOf(entry.Name);
            Assert.True(i >= 0, $"node output {entry.Name} missing from our outputs");
            Assert.Equal("FLOAT", entry.ElementType);
            Assert.Equal(entry.Shape, r.Outputs.ShapeOf(i).ToArray());
            float[] expected = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(nodeOut, entry.File))).ToArray();
            var actual = r.Outputs.AsFloat(i);
            Assert.Equal(expected.Length, actual.Length);
            for (int k = 0; k < expected.Length; k++)
            {
                double a = actual[k], e = expected[k];
                double allowed = Math.Max(Tolerance, Tolerance * Math.Max(Math.Abs(a), Math.Abs(e)));
                Assert.True(Math.Abs(a - e) <= allowed, $"{entry.Name}[{k}]: ours {a:R}, onnxruntime-node {e:R}");
            }
        }
    }

    private static void RunNode(string model, string outDir, params string[] inputs)
    {
        string moduleJson = Path.Combine(TestAssets.Cache, "node", "node_modules", "onnxruntime-node", "package.json");
        if (!File.Exists(moduleJson))
            Assert.Fail($"onnxruntime-node is not installed ({moduleJson} missing); run scripts/setup-node-reference.sh");
        var psi = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(Path.Combine(RepoRoot(), "tests", "reference", "ort-node-client.mjs"));
        foreach (string a in new[] { "--model", model, "--out", outDir, "--threads", "1" }.Concat(inputs)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill();
            Assert.Fail("ort-node-client.mjs timed out");
        }
        Assert.True(p.ExitCode == 0, $"ort-node-client.mjs failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EdgeCam.sln"))) return d.FullName;
        throw new DirectoryNotFoundException($"no EdgeCam.sln above {AppContext.BaseDirectory}");
    }
}
