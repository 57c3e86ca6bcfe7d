using System.Text.Json;
using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Inspect;

namespace EdgeCam.Tests.ModelTool;

public class InspectTests
{
    public InspectTests() => OrtEnvironment.Initialize(TestAssets.OrtLibrary);

    [Fact]
    public void BlazeFaceFrontShowsItsOpsetLayersAndMacs()
    {
        var r = ModelInspector.Inspect(TestAssets.BlazeFaceFront, null);
        Assert.Equal(12, r.Opsets["ai.onnx"]);
        Assert.Equal("[1,128,128,3]", r.Inputs.Single().Shape);
        Assert.Equal(4, r.Outputs.Count);
        Assert.Equal(37, r.Operators["Conv"]);
        Assert.Equal("float", r.Quantization.Format);
        // The stem: a 5x5 stride-2 convolution from 3 to 24 channels, 128x128 -> 64x64.
        var stem = r.Layers[0];
        Assert.Equal("[24,3,5,5]", stem.WeightShape);
        Assert.Equal("[1,24,64,64]", stem.OutputShape);
        Assert.Equal(24L * 64 * 64 * 3 * 5 * 5, stem.Macs);
        // A depthwise 3x3: one input channel per output channel.
        var dw = r.Layers[1];
        Assert.Equal(24L * 64 * 64 * 9, dw.Macs);
        Assert.Equal(r.Layers.Sum(l => l.Macs), r.TotalMacs);
        Assert.InRange(r.Parameters, 90_000, 110_000); // MediaPipe's short-range model: ~0.1 M parameters
    }

    [Fact]
    public void SymbolicSpatialInputsNeedAShapeForMacs()
    {
        var without = ModelInspector.Inspect(TestAssets.OcrDetector, null);
        Assert.Null(without.TotalMacs);
        Assert.True(without.Parameters > 1_000_000, "paddle2onnx keeps weights in Constant nodes; they count");
        var with = ModelInspector.Inspect(TestAssets.OcrDetector, [1, 3, 640, 640]);
        Assert.Equal("[1,1,640,640]", with.Layers[^1].OutputShape);
        Assert.NotNull(with.TotalMacs);
        using var json = JsonDocument.Parse(InspectPrinter.ToJson(with));
        Assert.Equal(with.TotalMacs, json.RootElement.GetProperty("totalMacs").GetInt64());
    }
}
