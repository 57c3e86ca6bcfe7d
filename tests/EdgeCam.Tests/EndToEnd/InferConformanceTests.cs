using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using EdgeCam.Cli;
using EdgeCam.Logging;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Tests.EndToEnd;

/// <summary>
/// `edgecam infer` against an independent client of the same library (onnxruntime-node, from a
/// Node.js script in tests/reference): the same input bytes must give the same output tensors.
/// </summary>
public class InferConformanceTests
{
    private static string NodeClient => Path.Combine(RepoRoot, "tests", "reference", "ort-node-client.mjs");

    internal static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeCam.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("repository root (EdgeCam.sln) not found above the test binaries");
        }
    }

    [Theory]
    [InlineData("ppocr-cls", "x", new long[] { 1, 3, 48, 192 })]
    [InlineData("blazeface-front", "input:0", new long[] { 1, 128, 128, 3 })]
    public void OutputsMatchTheNodeClientToOneMillionth(string model, string inputName, long[] shape)
    {
        string modelPath = model == "ppocr-cls" ? TestAssets.OcrClassifier : TestAssets.BlazeFaceFront;
        Assert.True(File.Exists(Path.Combine(TestAssets.Cache, "node", "node_modules", "onnxruntime-node", "package.json")),
            "onnxruntime-node is missing: run scripts/setup-node-reference.sh");
        string dir = TestAssets.TempDir("conformance");
        // Deterministic pseudo-random inputs in the models' usual range [-1, 1].
        var rng = new Random(1234);
        var input = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 2 - 1);
        string inputFile = Path.Combine(dir, "input.bin");
        File.WriteAllBytes(inputFile, MemoryMarshal.AsBytes(input.AsSpan()).ToArray());

        using var logs = new JournalLoggerFactory(new JournalLoggerProvider(LogLevel.Warning));
        int code = InferCommand.Execute(modelPath, [$"{inputName}={inputFile}"], [$"{inputName}={string.Join(",", shape)}"],
            Path.Combine(dir, "edgecam"), [], threads: 1, logs);
        Assert.Equal(0, code);

        var node = Process.Start(new ProcessStartInfo("node",
            [NodeClient, modelPath, Path.Combine(dir, "node"), $"{inputName}={inputFile}@{string.Join(",", shape)}"])
        { RedirectStandardError = true, RedirectStandardOutput = true })!;
        string stderr = node.StandardError.ReadToEnd();
        node.WaitForExit();
        Assert.True(node.ExitCode == 0, $"node client failed: {stderr}");

        var ours = Manifest(Path.Combine(dir, "edgecam"));
        var theirs = Manifest(Path.Combine(dir, "node"));
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        foreach (var (name, (file, outShape)) in theirs)
        {
            Assert.Equal(outShape, ours[name].Shape);
            var a = Floats(Path.Combine(dir, "edgecam", ours[name].File));
            var b = Floats(Path.Combine(dir, "node", file));
            Assert.Equal(b.Length, a.Length);
            for (int i = 0; i < a.Length; i++)
            {
                float tolerance = Math.Max(1e-6f, 1e-6f * Math.Abs(b[i]));
                Assert.True(Math.Abs(a[i] - b[i]) <= tolerance, $"{name}[{i}]: edgecam {a[i]} vs node {b[i]}");
            }
        }
    }

    private static Dictionary<string, (string File, long[] Shape)> Manifest(string dir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "outputs.json")));
        return doc.RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(
            o => o.GetProperty("name").GetString()!,
            o => (o.GetProperty("file").GetString()!, o.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray()));
    }

    private static float[] Floats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
}
