using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Vision;
using EdgeCam.Vision.Postprocessing;

namespace EdgeCam.Tests.Vision;

// Measures per-thread allocation: runs with no other test class in parallel.
[Collection(nameof(SerialTests))]
public class PostprocessorTests
{
    private static readonly InputMapping Identity = new(1, 1, 0, 0, 640, 640);

    private static ArrayTensorSet BlazeFaceOutputs() => new ArrayTensorSet()
        .Add("Identity:0", [1, 512, 16]).Add("Identity_1:0", [1, 384, 16])
        .Add("Identity_2:0", [1, 512, 1], Enumerable.Repeat(-10f, 512).ToArray())
        .Add("Identity_3:0", [1, 384, 1], Enumerable.Repeat(-10f, 384).ToArray());

    [Fact]
    public void BlazeFaceDecodesAnAnchorIntoABoxWithKeypoints()
    {
        var outputs = BlazeFaceOutputs();
        // Anchor 2*(16*5 + 3) = 166 is cell (x=3, y=5) of the 16x16 grid: centre (3.5/16, 5.5/16) * 128 = (28, 44).
        outputs.Data("Identity_2:0")[166] = 5f;
        var reg = outputs.Data("Identity:0");
        reg[166 * 16 + 0] = 2f; reg[166 * 16 + 1] = -1f; reg[166 * 16 + 2] = 20f; reg[166 * 16 + 3] = 10f;
        reg[166 * 16 + 4] = -3f; reg[166 * 16 + 5] = 4f; // right eye offset
        var decoder = new BlazeFaceDecoder(new BlazeFaceOptions());
        var result = new InferenceResult();
        // A mapping that doubles and shifts: model input (28+2, 44-1) -> source (2*30+5, 2*43+7).
        decoder.Process(outputs, new InputMapping(2, 2, 5, 7, 256, 256), result);
        var d = Assert.Single(result.Detections.AsSpan().ToArray());
        Assert.Equal(1f / (1f + MathF.Exp(-5f)), d.Score, 5);
        Assert.Equal(new BoxF(2 * 20 + 5, 2 * 38 + 7, 2 * 40 + 5, 2 * 48 + 7), d.Box);
        Assert.Equal(6, d.KeypointCount);
        Assert.Equal((2 * 25f + 5, 2 * 48f + 7), d.Keypoint(0));
    }

    [Fact]
    public void BlazeFaceMergesOverlappingAnchorsByScoreWeight()
    {
        var outputs = BlazeFaceOutputs();
        // The two anchors of one 16x16 cell (indices 0 and 1) at the same centre, different sizes.
        outputs.Data("Identity_2:0")[0] = 2f;  // sigmoid 0.881
        outputs.Data("Identity_2:0")[1] = 0f;  // sigmoid 0.5
        var reg = outputs.Data("Identity:0");
        reg[0 * 16 + 2] = 10; reg[0 * 16 + 3] = 10;
        reg[1 * 16 + 2] = 12; reg[1 * 16 + 3] = 12;
        var decoder = new BlazeFaceDecoder(new BlazeFaceOptions { MinScore = 0.4f });
        var result = new InferenceResult();
        decoder.Process(outputs, Identity, result);
        var d = Assert.Single(result.Detections.AsSpan().ToArray());
        float s1 = 1f / (1f + MathF.Exp(-2f)), s2 = 0.5f;
        float half = (5 * s1 + 6 * s2) / (s1 + s2);
        Assert.Equal(s1, d.Score, 5);
        Assert.Equal(4f - half, d.Box.X0, 4); // anchor centre 0.5/16*128 = 4
        Assert.Equal(4f + half, d.Box.X1, 4);
    }

    [Fact]
    public void BlazeFaceKeepsSeparateFacesAndDropsWeakOnes()
    {
        var outputs = BlazeFaceOutputs();
        var scores8 = outputs.Data("Identity_3:0");
        var reg8 = outputs.Data("Identity_1:0");
        foreach (int cell in new[] { 0, 63 }) // opposite corners of the 8x8 grid
        {
            scores8[cell * 6] = 3f;
            reg8[cell * 6 * 16 + 2] = 16; reg8[cell * 6 * 16 + 3] = 16;
        }
        scores8[10 * 6] = -1f; // below 0.5
        var result = new InferenceResult();
        new BlazeFaceDecoder(new BlazeFaceOptions()).Process(outputs, Identity, result);
        Assert.Equal(2, result.Detections.Count);
    }

    [Fact]
    public void BlazeFaceNamesAMissingOutputShape()
    {
        var outputs = new ArrayTensorSet().Add("scores", [1, 896, 1]).Add("boxes", [1, 896, 16]);
        var e = Assert.Throws<InvalidOperationException>(() => new BlazeFaceDecoder(new BlazeFaceOptions()).Validate(outputs));
        Assert.Contains("[1,512,1]", e.Message);
        Assert.Contains("scores [1,896,1]", e.Message);
    }

    [Fact]
    public void ClassificationAppliesSoftmaxOnlyToLogits()
    {
        var logits = new ArrayTensorSet().Add("out", [1, 4], [1f, 3f, 2f, 0f]);
        var result = new InferenceResult();
        new ClassificationDecoder(new ClassificationOptions { TopK = 2 }).Process(logits, Identity, result);
        Assert.Equal([1, 2], result.TopClasses.ToArray().Select(c => c.Index));
        double z = Math.Exp(1) + Math.Exp(3) + Math.Exp(2) + Math.Exp(0);
        Assert.Equal(Math.Exp(3) / z, result.TopClasses[0].Score, 5);

        var probabilities = new ArrayTensorSet().Add("out", [1, 3], [0.2f, 0.7f, 0.1f]);
        new ClassificationDecoder(new ClassificationOptions { TopK = 5 }).Process(probabilities, Identity, result);
        Assert.Equal([(1, 0.7f), (0, 0.2f), (2, 0.1f)], result.TopClasses.ToArray().Select(c => (c.Index, c.Score)));
    }

    [Fact]
    public void ClassificationRefusesAnUnknownOutputName()
    {
        var outputs = new ArrayTensorSet().Add("softmax_0.tmp_0", [1, 2]);
        var e = Assert.Throws<InvalidOperationException>(() => new ClassificationDecoder(new ClassificationOptions { Output = "probs" }).Validate(outputs));
        Assert.Contains("'probs'", e.Message);
        Assert.Contains("softmax_0.tmp_0", e.Message);
    }

    private static float[] YoloV5(params (float Cx, float Cy, float W, float H, float Obj, float[] Cls)[] rows)
    {
        int width = 5 + rows[0].Cls.Length;
        var data = new float[rows.Length * width];
        for (int i = 0; i < rows.Length; i++)
        {
            var r = rows[i];
            float[] row = [r.Cx, r.Cy, r.W, r.H, r.Obj, .. r.Cls];
            row.CopyTo(data, i * width);
        }
        return data;
    }

    [Fact]
    public void YoloV5SuppressesOverlapsPerClass()
    {
        var data = YoloV5(
            (100, 100, 50, 50, 0.9f, [0.9f, 0.1f]),  // class 0, 0.81
            (104, 100, 50, 50, 0.8f, [0.9f, 0.1f]),  // class 0 overlapping: suppressed
            (102, 100, 50, 50, 0.9f, [0.1f, 0.8f]),  // class 1 overlapping: kept (other class)
            (400, 400, 40, 40, 0.2f, [0.9f, 0.1f])); // 0.18 < min score
        var outputs = new ArrayTensorSet().Add("output0", [1, 4, 7], data);
        var result = new InferenceResult();
        new YoloDecoder(new YoloOptions { Version = YoloVersion.V5, MinScore = 0.25f }).Process(outputs, Identity, result);
        var d = result.Detections.AsSpan().ToArray();
        Assert.Equal(2, d.Length);
        Assert.Equal((0, new BoxF(75, 75, 125, 125)), (d[0].ClassIndex, d[0].Box));
        Assert.Equal(1, d[1].ClassIndex);

        var agnostic = new InferenceResult();
        new YoloDecoder(new YoloOptions { Version = YoloVersion.V5, ClassAgnosticNms = true }).Process(outputs, Identity, agnostic);
        Assert.Equal(1, agnostic.Detections.Count);
    }

    [Fact]
    public void YoloV8ReadsTransposedColumnsAndMapsLetterboxBack()
    {
        // Two anchors, one class: [1, 5, 2] = rows cx, cy, w, h, score.
        float[] data = [320, 50, 320, 50, 100, 10, 100, 10, 0.95f, 0.1f];
        var outputs = new ArrayTensorSet().Add("output0", [1, 5, 2], data);
        var result = new InferenceResult();
        // Letterbox of a 1280x640 source into 640x640: scale 2, 160 rows of padding on top.
        var letterbox = new InputMapping(2, 2, 0, -320, 1280, 640);
        new YoloDecoder(new YoloOptions()).Process(outputs, letterbox, result);
        var d = Assert.Single(result.Detections.AsSpan().ToArray());
        Assert.Equal(new BoxF(2 * 270, 2 * 270 - 320, 2 * 370, 2 * 370 - 320), d.Box);
    }

    [Fact]
    public void YoloNamesAWrongShape()
    {
        var outputs = new ArrayTensorSet().Add("output0", [1, 3]);
        var e = Assert.Throws<InvalidOperationException>(() => new YoloDecoder(new YoloOptions()).Validate(outputs));
        Assert.Contains("'output0' has shape [1,3]", e.Message);
    }

    [Fact]
    public void SsdDecodesPriorOffsetsWithVariances()
    {
        float[] priors = [0.5f, 0.5f, 0.2f, 0.2f];
        // Offsets (cx, cy, w, h): shift right by 1 variance unit, width doubled: exp(dw*0.2)=2.
        float[] loc = [1f, 0f, MathF.Log(2) / 0.2f, 0f];
        float[] scores = [0f, 5f]; // background, class 1 -> softmax 0.993
        var outputs = new ArrayTensorSet().Add("boxes", [1, 1, 4], loc).Add("scores", [1, 1, 2], scores);
        var result = new InferenceResult();
        new SsdDecoder(new SsdOptions { Encoding = SsdBoxEncoding.CenterSizeXY, Priors = priors, InputWidth = 100, InputHeight = 100 })
            .Process(outputs, Identity, result);
        var d = Assert.Single(result.Detections.AsSpan().ToArray());
        Assert.Equal(1, d.ClassIndex);
        float cx = 0.5f + 1f * 0.1f * 0.2f;
        Assert.Equal((cx - 0.2f) * 100, d.Box.X0, 3);
        Assert.Equal((cx + 0.2f) * 100, d.Box.X1, 3);
        Assert.Equal(40f, d.Box.Y0, 3);
    }

    [Fact]
    public void SsdReadsDecodedTensorFlowBoxes()
    {
        float[] boxes = [0.1f, 0.2f, 0.3f, 0.6f]; // ymin, xmin, ymax, xmax
        var outputs = new ArrayTensorSet().Add("boxes", [1, 1, 4], boxes).Add("scores", [1, 1, 3], [0.1f, 0.2f, 0.9f]);
        var result = new InferenceResult();
        new SsdDecoder(new SsdOptions { Softmax = false, MinScore = 0.6f, InputWidth = 100, InputHeight = 100 }).Process(outputs, Identity, result);
        var d = Assert.Single(result.Detections.AsSpan().ToArray());
        Assert.Equal(2, d.ClassIndex); // sigmoid(0.9) = 0.71 passes, sigmoid(0.2) = 0.55 does not
        Assert.Equal(new BoxF(20, 10, 60, 30), new BoxF(MathF.Round(d.Box.X0, 3), MathF.Round(d.Box.Y0, 3), MathF.Round(d.Box.X1, 3), MathF.Round(d.Box.Y1, 3)));
    }

    [Fact]
    public void SsdPriorsFollowTheRecipe()
    {
        var priors = SsdPriors.Generate([2], [0.2f, 0.4f], [1f, 2f]);
        Assert.Equal(2 * 2 * 3 * 4, priors.Length);
        Assert.Equal([0.25f, 0.25f, 0.2f, 0.2f], priors[..4]);
        Assert.Equal(0.2f * MathF.Sqrt(2), priors[6], 5);
        Assert.Equal(MathF.Sqrt(0.08f), priors[10], 5);
    }

    [Fact]
    public void DecodersAllocateNothingPerFrame()
    {
        var outputs = BlazeFaceOutputs();
        outputs.Data("Identity_2:0")[3] = 4f;
        outputs.Data("Identity_2:0")[4] = 4f;
        var blaze = new BlazeFaceDecoder(new BlazeFaceOptions());
        var yoloOut = new ArrayTensorSet().Add("o", [1, 6, 3], Enumerable.Range(0, 18).Select(i => (float)(i % 7) * 0.15f).ToArray());
        var yolo = new YoloDecoder(new YoloOptions { MinScore = 0.1f });
        var cls = new ClassificationDecoder(new ClassificationOptions());
        var clsOut = new ArrayTensorSet().Add("c", [1, 10], Enumerable.Range(0, 10).Select(i => (float)i).ToArray());
        var result = new InferenceResult();
        void Once()
        {
            result.Clear(); blaze.Process(outputs, Identity, result);
            result.Clear(); yolo.Process(yoloOut, Identity, result);
            result.Clear(); cls.Process(clsOut, Identity, result);
        }
        AllocationAssert.NoneInSteadyState(Once, warmup: 10, window: 100);
    }
}
