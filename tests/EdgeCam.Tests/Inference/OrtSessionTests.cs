using EdgeCam.Inference.Onnx;

namespace EdgeCam.Tests.Inference;

/// <summary>The binding against the real ONNX Runtime 1.30 library and the real models.</summary>
// Measures per-thread allocation: runs with no other test class in parallel.
[Collection(nameof(SerialTests))]
public class OrtSessionTests
{
    public OrtSessionTests() => OrtEnvironment.Initialize(TestAssets.OrtLibrary);

    [Fact]
    public void LoadsTheOfficialLibrary()
    {
        Assert.Equal("1.30.0", OrtLibrary.VersionString);
    }

    [Fact]
    public void BlazeFaceDeclaresItsInputsAndOutputs()
    {
        using var session = OrtSession.FromFile(TestAssets.BlazeFaceFront);
        var input = Assert.Single(session.Inputs);
        Assert.Equal(TensorElementType.Float, input.ElementType);
        Assert.Equal([1L, 128, 128, 3], input.Shape);
        Assert.Equal(4, session.Outputs.Count);
        var shapes = session.Outputs.Select(o => NodeInfo.FormatShape(o.Shape)).OrderBy(s => s).ToArray();
        Assert.Equal(["[1,384,16]", "[1,384,1]", "[1,512,16]", "[1,512,1]"], shapes);
        Assert.All(session.Outputs, o => Assert.Equal(TensorElementType.Float, o.ElementType));
    }

    [Fact]
    public void OcrClassifierRunsAtTheSizeGivenForItsSymbolicDimensions()
    {
        using var session = OrtSession.FromFile(TestAssets.OcrClassifier);
        var input = Assert.Single(session.Inputs);
        // The export leaves batch, height and width symbolic: [?,3,?,?].
        Assert.Equal(4, input.Shape.Length);
        Assert.Equal(3, input.Shape[1]);
        Assert.True(input.Shape[0] < 0 && input.Shape[2] < 0 && input.Shape[3] < 0, input.ShapeText);
        using var runner = new ModelRunner(session, new Dictionary<string, long[]> { [input.Name] = [1, 3, 48, 192] });
        Assert.Equal([1L, 3, 48, 192], runner.Input(0).Shape);
        runner.Run();
        var probabilities = runner.AsFloat(0);
        Assert.Equal(2, probabilities.Length);
        Assert.Equal(1f, probabilities[0] + probabilities[1], 3);
        Assert.Equal([1L, 2], runner.ShapeOf(0).ToArray());
    }

    [Fact]
    public void RunsBlazeFaceAndWritesIntoPreallocatedOutputs()
    {
        using var session = OrtSession.FromFile(TestAssets.BlazeFaceFront, new SessionOptions { IntraOpThreads = 1 });
        using var runner = new ModelRunner(session);
        runner.Input(0).AsSpan<float>().Fill(-1f);
        runner.Run();
        for (int o = 0; o < runner.Count; o++)
        {
            var values = runner.AsFloat(o);
            Assert.Equal(session.Outputs[o].Shape.Aggregate(1L, (a, b) => a * b), values.Length);
            foreach (float v in values) Assert.True(float.IsFinite(v));
        }
        // The same input twice gives the same output (buffers reused, not stale or shared wrongly).
        float first = runner.AsFloat(0)[7];
        runner.Run();
        Assert.Equal(first, runner.AsFloat(0)[7]);
    }

    [Fact]
    public void SteadyStateRunsAllocateNothing()
    {
        using var session = OrtSession.FromFile(TestAssets.BlazeFaceFront, new SessionOptions { IntraOpThreads = 1 });
        using var runner = new ModelRunner(session);
        AllocationAssert.NoneInSteadyState(() =>
        {
            runner.Run();
            _ = runner.AsFloat(0)[0];
        }, warmup: 20, window: 200);
    }

    [Fact]
    public void MissingModelIsNoSuchFileNamingThePath()
    {
        var e = Assert.Throws<OrtException>(() => OrtSession.FromFile("/nonexistent/model.onnx"));
        Assert.Equal(OrtErrorCode.NoSuchFile, e.Code);
        Assert.Contains("/nonexistent/model.onnx", e.Message);
    }

    [Fact]
    public void AFileThatIsNotOnnxIsRejectedWithOrtsCodeAndThePath()
    {
        string path = Path.Combine(TestAssets.TempDir("ort"), "not-a-model.onnx");
        File.WriteAllText(path, "this is not a protobuf");
        var e = Assert.Throws<OrtException>(() => OrtSession.FromFile(path));
        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.Code);
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void LoadsFromBytesToo()
    {
        byte[] model = File.ReadAllBytes(TestAssets.OcrClassifier);
        using var session = OrtSession.FromBytes(model, "ppocr-cls (bytes)");
        Assert.Equal(2, session.Outputs[0].Shape[^1]);
    }

    [Fact]
    public void ReadsMetadata()
    {
        using var session = OrtSession.FromFile(TestAssets.OcrClassifier);
        Assert.NotNull(session.Metadata.Custom);
        using var face = OrtSession.FromFile(TestAssets.BlazeFaceFront);
        Assert.NotNull(face.Metadata.Producer);
    }

    [Fact]
    public void DisposingTwiceIsHarmless()
    {
        var session = OrtSession.FromFile(TestAssets.BlazeFaceFront);
        var runner = new ModelRunner(session);
        runner.Dispose(); runner.Dispose();
        session.Dispose(); session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => runner.Run());
    }

    [Fact]
    public void AnInputShapeThatDoesNotFitIsRefused()
    {
        using var session = OrtSession.FromFile(TestAssets.BlazeFaceFront);
        var e = Assert.Throws<OrtException>(() => new ModelRunner(session,
            new Dictionary<string, long[]> { [session.Inputs[0].Name] = [1, 64, 64, 3] }));
        Assert.Contains("does not fit", e.Message);
    }
}
