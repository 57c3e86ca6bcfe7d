using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;
using EdgeCam.ModelTool.Release;
using Google.Protobuf;

namespace EdgeCam.Tests.ModelTool;

/// <summary>ONNX read and written back through EdgeCam's own schema (src/EdgeCam.ModelTool/Onnx/onnx.proto).</summary>
public class OnnxRoundTripTests
{
    [Theory]
    [MemberData(nameof(ModelToolAssets.Models), MemberType = typeof(ModelToolAssets))]
    public void ARealModelReadAndWrittenBackGivesIdenticalOrtOutputs(string name)
    {
        string path = ModelToolAssets.Model(name);
        byte[] original = File.ReadAllBytes(path);
        var model = OnnxFile.Load(path);
        string copy = Path.Combine(TestAssets.TempDir("roundtrip"), "copy.onnx");
        OnnxFile.Save(model, copy);
        byte[] written = File.ReadAllBytes(copy);

        // The schema keeps the wire form: the file comes back byte for byte.
        Assert.Equal(original.Length, written.Length);
        Assert.True(original.AsSpan().SequenceEqual(written), $"{name}: the written model differs from the original");

        // And ONNX Runtime computes the same outputs from it on a real photo, to the bit.
        string card = ModelToolAssets.Card(name);
        var before = ModelToolAssets.Run(original, card, TestAssets.GraceHopper);
        var after = ModelToolAssets.Run(written, card, TestAssets.GraceHopper);
        Assert.Equal(before.Length, after.Length);
        for (int o = 0; o < before.Length; o++)
        {
            Assert.NotEmpty(before[o]);
            Assert.Equal(before[o], after[o]);
        }
    }

    [Fact]
    public void FieldsTheSchemaDoesNotNameSurviveARoundTrip()
    {
        // Append fields to the model that EdgeCam's schema leaves out (ModelProto.training_info = 20,
        // a made-up 999) and one inside the graph's first node (NodeProto field 900).
        var model = OnnxFile.Load(TestAssets.BlazeFaceFront);
        var node = model.Graph.Node[0];
        byte[] nodeBytes = Concat(node.ToByteArray(), Field(900, "node extra"u8));
        model.Graph.Node[0] = NodeProto.Parser.ParseFrom(nodeBytes);
        byte[] bytes = Concat(model.ToByteArray(), Field(20, "training info"u8), Field(999, "future field"u8));

        var parsed = OnnxFile.Parse(bytes, "test");
        byte[] again = parsed.ToByteArray();
        Assert.Equal(bytes, again);
        var reparsed = ModelProto.Parser.ParseFrom(again);
        Assert.Contains("node extra", System.Text.Encoding.UTF8.GetString(reparsed.Graph.Node[0].ToByteArray()));
    }

    [Fact]
    public void NonOnnxInputIsRefusedWithOneLineNamingTheFile()
    {
        string dir = TestAssets.TempDir("notonnx");
        string text = Path.Combine(dir, "card.onnx");
        File.WriteAllText(text, "{ \"name\": \"not a model\" }");
        var e = Assert.Throws<ToolException>(() => OnnxFile.Load(text));
        Assert.StartsWith($"{text}: not an ONNX model", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        var jpeg = Assert.Throws<ToolException>(() => OnnxFile.Load(TestAssets.GraceHopper));
        Assert.Contains("not an ONNX model", jpeg.Message);
        var missing = Assert.Throws<ToolException>(() => OnnxFile.Load(Path.Combine(dir, "none.onnx")));
        Assert.Contains("no such model file", missing.Message);
    }

    private static byte[] Field(int number, ReadOnlySpan<byte> payload)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(payload));
        output.Flush();
        return stream.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
