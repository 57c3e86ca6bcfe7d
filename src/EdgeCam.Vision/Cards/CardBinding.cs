using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference.Cards;
using EdgeCam.Inference.Onnx;
using EdgeCam.Vision.Postprocessing;

namespace EdgeCam.Vision.Cards;

/// <summary>
/// Checks a model card against the model it describes (input name, element type, every known
/// dimension) and builds the preprocess plan and postprocessor from it. A contradiction is a
/// <see cref="ModelCardException"/> naming the card field, its value and what the model declares.
/// </summary>
public static class CardBinding
{
    public sealed record Overrides(float? MinScore = null, int? TopK = null);

    public static BoundModel Bind(ModelCard card, string cardOrigin, OrtSession session, Overrides? overrides = null)
    {
        overrides ??= new Overrides();
        var input = FindInput(card, cardOrigin, session);
        var ci = card.Input;
        string elementType = TensorElementTypes.Name(input.ElementType);
        if (elementType != ci.ElementType)
            throw Contradiction(cardOrigin, $"input.elementType \"{ci.ElementType}\"", input, $"element type {elementType}");
        if (input.Shape.Length != 4)
            throw Contradiction(cardOrigin, "input", input, $"rank {input.Shape.Length} (EdgeCam feeds images as rank-4 NCHW/NHWC tensors)");

        bool nchw = ci.Layout == "NCHW";
        long[] want = nchw ? [1, ci.Channels, ci.Height, ci.Width] : [1, ci.Height, ci.Width, ci.Channels];
        string[] names = nchw ? ["batch", "channels", "height", "width"] : ["batch", "height", "width", "channels"];
        for (int d = 0; d < 4; d++)
        {
            if (input.Shape[d] >= 0 && input.Shape[d] != want[d])
            {
                string field = names[d] == "batch" ? "input (batch 1)" : $"input.{names[d]} {want[d]}";
                throw Contradiction(cardOrigin, field, input, $"shape {input.ShapeText} ({ci.Layout} {names[d]} {input.Shape[d]})");
            }
        }

        var plan = BuildPlan(ci, input.ElementType);
        bool detector = card.Postprocess.Kind != "classification";
        var post = BuildPostprocessor(card, overrides, ci);
        return new BoundModel(input.Name, want, plan, post, card.Labels, detector);
    }

    private static NodeInfo FindInput(ModelCard card, string cardOrigin, OrtSession session)
    {
        if (card.Input.Name is { } name)
        {
            int i = session.InputIndex(name);
            if (i < 0)
                throw new ModelCardException($"model card {cardOrigin}: input.name \"{name}\" is not an input of {session.ModelPath} " +
                    $"(inputs: {string.Join(", ", session.Inputs.Select(n => n.Name))})");
            return session.Inputs[i];
        }
        if (session.Inputs.Count != 1)
            throw new ModelCardException($"model card {cardOrigin}: input.name is missing and {session.ModelPath} has " +
                $"{session.Inputs.Count} inputs ({string.Join(", ", session.Inputs.Select(n => n.Name))})");
        return session.Inputs[0];
    }

    private static ModelCardException Contradiction(string cardOrigin, string field, NodeInfo input, string actual) =>
        new($"model card {cardOrigin}: {field} contradicts the model: input '{input.Name}' has {actual}");

    public static PreprocessPlan BuildPlan(CardInput ci, TensorElementType element)
    {
        int channels = ci.Channels;
        float[] scale = Enumerable.Repeat(1f, channels).ToArray(), offset = new float[channels];
        if (ci.Normalization is { } n)
        {
            if (n.Mean is not null || n.Std is not null)
            {
                for (int c = 0; c < channels; c++)
                {
                    float mean = PerChannel(n.Mean, c, 0f), std = PerChannel(n.Std, c, 1f);
                    scale[c] = 1f / std;
                    offset[c] = -mean / std;
                }
            }
            else
            {
                for (int c = 0; c < channels; c++)
                {
                    scale[c] = PerChannel(n.Scale, c, 1f);
                    offset[c] = PerChannel(n.Offset, c, 0f);
                }
            }
        }
        var tensorElement = element switch
        {
            TensorElementType.Float => TensorElement.Float32,
            TensorElementType.UInt8 => TensorElement.UInt8,
            TensorElementType.Int8 => TensorElement.Int8,
            _ => throw new ModelCardException($"input element type {TensorElementTypes.Name(element)} is not one EdgeCam can fill (float32, uint8, int8)"),
        };
        return new PreprocessPlan
        {
            Width = ci.Width,
            Height = ci.Height,
            Channels = channels,
            Layout = ci.Layout == "NHWC" ? TensorLayout.Nhwc : TensorLayout.Nchw,
            Order = ci.ColorOrder == "BGR" ? ChannelOrder.Bgr : ChannelOrder.Rgb,
            Element = tensorElement,
            Resize = ci.Resize switch { "letterbox" => ResizeMode.Letterbox, "centerCrop" => ResizeMode.CenterCrop, _ => ResizeMode.Stretch },
            Interpolation = ci.Interpolation switch { "nearest" => Interpolation.Nearest, "area" => Interpolation.Area, _ => Interpolation.Bilinear },
            PadValue = (byte)ci.PadValue,
            Scale = scale,
            Offset = offset,
            QuantScale = ci.Quantization?.Scale ?? 1f,
            QuantZeroPoint = ci.Quantization?.ZeroPoint ?? 0,
        };
    }

    private static float PerChannel(List<float>? values, int c, float fallback) =>
        values is null || values.Count == 0 ? fallback : values[values.Count == 1 ? 0 : c];

    private static IPostprocessor BuildPostprocessor(ModelCard card, Overrides o, CardInput ci)
    {
        var p = card.Postprocess;
        string? output = p.Outputs is { Count: > 0 } outs ? outs[0] : null;
        return p.Kind switch
        {
            // A dense output map (e.g. a DBNet text-probability map): described so that the model
            // toolchain can preprocess and compare it, but the device has no decoder for it.
            "map" => throw new ModelCardException($"model card: postprocess.kind \"map\" has no decoder on the device; such a card serves edgecam-model (quantize, eval) only"),
            "blazeface" => new BlazeFaceDecoder(new BlazeFaceOptions
            {
                InputSize = ci.Width,
                MinScore = o.MinScore ?? p.MinScore ?? 0.5f,
                IouThreshold = p.IouThreshold ?? 0.3f,
                MaxDetections = p.MaxDetections ?? 64,
            }),
            "yolov5" or "yolov8" => new YoloDecoder(new YoloOptions
            {
                Version = p.Kind == "yolov5" ? YoloVersion.V5 : YoloVersion.V8,
                MinScore = o.MinScore ?? p.MinScore ?? 0.25f,
                IouThreshold = p.IouThreshold ?? 0.45f,
                MaxDetections = p.MaxDetections ?? 100,
                ClassAgnosticNms = p.ClassAgnosticNms ?? false,
                Sigmoid = p.Sigmoid ?? false,
                InputWidth = ci.Width,
                InputHeight = ci.Height,
                Output = output,
            }),
            "ssd" => new SsdDecoder(new SsdOptions
            {
                MinScore = o.MinScore ?? p.MinScore ?? 0.5f,
                IouThreshold = p.IouThreshold ?? 0.45f,
                MaxDetections = p.MaxDetections ?? 100,
                ClassAgnosticNms = p.ClassAgnosticNms ?? false,
                Softmax = !(p.Sigmoid ?? false),
                InputWidth = ci.Width,
                InputHeight = ci.Height,
                BoxesOutput = p.Outputs is { Count: >= 2 } ? p.Outputs[0] : null,
                ScoresOutput = p.Outputs is { Count: >= 2 } ? p.Outputs[1] : null,
            }),
            _ => new ClassificationDecoder(new ClassificationOptions
            {
                TopK = o.TopK ?? p.TopK ?? 5,
                MinScore = o.MinScore ?? p.MinScore ?? 0f,
                Softmax = p.Softmax switch { "always" => SoftmaxMode.Always, "never" => SoftmaxMode.Never, _ => SoftmaxMode.Auto },
                Output = output,
            }),
        };
    }
}
