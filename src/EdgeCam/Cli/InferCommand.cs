using System.Text.Json;
using EdgeCam.Inference.Onnx;
using EdgeCam.Models;
using EdgeCam.Output;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Cli;

/// <summary>
/// `edgecam infer`: raw tensors in, raw tensors out, for conformance checks against another ONNX
/// Runtime client. Each input file holds the input's elements little-endian in its element type;
/// a symbolic dimension takes its size from --shape NAME=D,D,... (default 1). Outputs are written
/// as DIR/&lt;name&gt;.bin with DIR/outputs.json listing names, files, element types and shapes.
/// </summary>
public static class InferCommand
{
    public static int Execute(string modelPath, string[] inputs, string[] shapes, string outputDir, string[] only, int threads, ILoggerFactory logs)
    {
        var log = logs.CreateLogger("EdgeCam.Infer");
        ModelLoader.InitializeRuntime(null, log);
        using var session = OrtSession.FromFile(modelPath, new SessionOptions { IntraOpThreads = threads });
        var files = ParsePairs(inputs, "--input", "NAME=FILE.bin");
        var shapeOverrides = ParsePairs(shapes, "--shape", "NAME=D,D,...")
            .ToDictionary(p => p.Key, p => ParseShape(p.Key, p.Value));
        foreach (var name in files.Keys.Concat(shapeOverrides.Keys))
            if (session.InputIndex(name) < 0)
                throw new UserFacingException(ExitCodes.Usage, $"model {modelPath} has no input '{name}' (inputs: {string.Join(", ", session.Inputs.Select(i => i.Name))})");
        foreach (var input in session.Inputs)
            if (!files.ContainsKey(input.Name))
                throw new UserFacingException(ExitCodes.Usage, $"missing --input {input.Name}=FILE.bin for model input '{input.Name}' {input.ShapeText} {TensorElementTypes.Name(input.ElementType)}");
        var selected = only.Length == 0 ? session.Outputs.Select(o => o.Name).ToArray() : only;
        foreach (string name in selected)
            if (session.OutputIndex(name) < 0)
                throw new UserFacingException(ExitCodes.Usage, $"model {modelPath} has no output '{name}' (outputs: {string.Join(", ", session.Outputs.Select(o => o.Name))})");

        using var runner = new ModelRunner(session, shapeOverrides);
        foreach (var (name, file) in files) TensorFiles.Read(file, runner.Input(name));
        runner.Run();

        try
        {
            Directory.CreateDirectory(outputDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException(ExitCodes.Usage, $"--output-dir {outputDir}: cannot be created: {e.Message}");
        }
        var manifest = new List<(string Name, string File, string Type, long[] Shape)>();
        foreach (string name in selected)
        {
            int index = session.OutputIndex(name);
            string file = TensorFiles.SafeFileName(name) + ".bin";
            TensorFiles.WriteAtomically(Path.Combine(outputDir, file), runner.OutputBytes(index));
            manifest.Add((name, file, TensorElementTypes.Name(runner.ElementTypeOf(index)), runner.ShapeOf(index).ToArray()));
        }
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("model", modelPath);
            w.WriteStartArray("outputs");
            foreach (var (name, file, type, shape) in manifest)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("file", file);
                w.WriteString("elementType", type);
                w.WriteStartArray("shape");
                foreach (long d in shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        TensorFiles.WriteAtomically(Path.Combine(outputDir, "outputs.json"), json.ToArray());
        log.LogInformation("wrote {Count} outputs to {Dir}", manifest.Count, outputDir);
        return ExitCodes.Ok;
    }

    private static Dictionary<string, string> ParsePairs(string[] values, string option, string form)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string v in values)
        {
            int eq = v.IndexOf('=');
            if (eq <= 0 || eq == v.Length - 1)
                throw new UserFacingException(ExitCodes.Usage, $"{option} {v}: expected {form}");
            pairs[v[..eq]] = v[(eq + 1)..];
        }
        return pairs;
    }

    private static long[] ParseShape(string name, string text)
    {
        var parts = text.Split(',', 'x');
        var shape = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!long.TryParse(parts[i], out shape[i]) || shape[i] < 1)
                throw new UserFacingException(ExitCodes.Usage, $"--shape {name}={text}: expected positive integers separated by commas");
        return shape;
    }
}
