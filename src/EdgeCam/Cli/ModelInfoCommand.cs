using System.Text.Json;
using EdgeCam.Inference.Cards;
using EdgeCam.Inference.Onnx;
using EdgeCam.Models;
using EdgeCam.Output;
using EdgeCam.Vision.Cards;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Cli;

/// <summary>`edgecam model info`: what the model declares and what its card says, checked against each other.</summary>
public static class ModelInfoCommand
{
    public static int Execute(string modelPath, string? cardPath, bool json, ILoggerFactory logs)
    {
        var log = logs.CreateLogger("EdgeCam.ModelInfo");
        ModelLoader.InitializeRuntime(null, log);
        using var session = OrtSession.FromFile(modelPath);
        ModelCard? card = null;
        string? origin = null;
        try
        {
            (card, origin) = ModelLoader.FindCard(modelPath, cardPath, session);
        }
        catch (UserFacingException) when (cardPath is null)
        {
            // No card at all is information, not an error: the model is still described.
        }
        if (card is not null) CardBinding.Bind(card, origin!, session); // throws on contradiction
        if (json) WriteJson(session, card, origin);
        else WriteText(session, card, origin);
        return ExitCodes.Ok;
    }

    private static void WriteText(OrtSession s, ModelCard? card, string? origin)
    {
        var o = Console.Out;
        o.WriteLine($"model     {s.ModelPath} ({new FileInfo(s.ModelPath).Length:N0} bytes), ONNX Runtime {OrtLibrary.VersionString}");
        var m = s.Metadata;
        o.WriteLine($"producer  {m.Producer ?? "-"}  graph {m.GraphName ?? "-"}  domain {m.Domain ?? "-"}  version {m.Version}");
        if (m.Description is not null) o.WriteLine($"about     {m.Description}");
        foreach (var i in s.Inputs) o.WriteLine($"input     {i.Name}  {TensorElementTypes.Name(i.ElementType)} {i.ShapeText}");
        foreach (var x in s.Outputs) o.WriteLine($"output    {x.Name}  {TensorElementTypes.Name(x.ElementType)} {x.ShapeText}");
        foreach (var (k, v) in m.Custom) o.WriteLine($"metadata  {k} = {(v.Length > 120 ? v[..120] + "..." : v)}");
        if (card is null)
        {
            o.WriteLine("card      none (give --card, or put MODEL.card.json beside the model)");
            return;
        }
        var ci = card.Input;
        o.WriteLine($"card      {origin}: {card.Name} {card.Version}, checked against the model");
        o.WriteLine($"          input {ci.Layout} {ci.Width}x{ci.Height}x{ci.Channels} {ci.ColorOrder} {ci.ElementType}, resize {ci.Resize} ({ci.Interpolation}), pad {ci.PadValue}");
        o.WriteLine($"          postprocess {card.Postprocess.Kind}, labels: {(card.Labels.Count == 0 ? "-" : string.Join(", ", card.Labels.Take(10)) + (card.Labels.Count > 10 ? $" (+{card.Labels.Count - 10})" : ""))}");
    }

    private static void WriteJson(OrtSession s, ModelCard? card, string? origin)
    {
        using var output = JsonLineWriter.ForStdout();
        output.WriteLine(w =>
        {
            w.WriteString("model", s.ModelPath);
            w.WriteString("onnxRuntime", OrtLibrary.VersionString);
            Nodes(w, "inputs", s.Inputs);
            Nodes(w, "outputs", s.Outputs);
            w.WriteStartObject("metadata");
            w.WriteString("producer", s.Metadata.Producer);
            w.WriteString("graph", s.Metadata.GraphName);
            w.WriteString("domain", s.Metadata.Domain);
            w.WriteString("description", s.Metadata.Description);
            w.WriteNumber("version", s.Metadata.Version);
            w.WriteStartObject("custom");
            foreach (var (k, v) in s.Metadata.Custom) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteEndObject();
            if (card is not null)
            {
                w.WriteString("cardOrigin", origin);
                w.WritePropertyName("card");
                using var doc = JsonDocument.Parse(ModelCardLoader.ToJson(card));
                doc.RootElement.WriteTo(w);
            }
        });
    }

    private static void Nodes(Utf8JsonWriter w, string name, IReadOnlyList<NodeInfo> nodes)
    {
        w.WriteStartArray(name);
        foreach (var n in nodes)
        {
            w.WriteStartObject();
            w.WriteString("name", n.Name);
            w.WriteString("elementType", TensorElementTypes.Name(n.ElementType));
            w.WriteStartArray("shape");
            for (int d = 0; d < n.Shape.Length; d++)
            {
                if (n.Shape[d] >= 0) w.WriteNumberValue(n.Shape[d]);
                else w.WriteStringValue(n.SymbolicDims[d].Length > 0 ? n.SymbolicDims[d] : "?");
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
