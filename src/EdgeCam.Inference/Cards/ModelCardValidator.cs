namespace EdgeCam.Inference.Cards;

/// <summary>Checks a card on its own (values in range, known words). Agreement with the model's
/// actual inputs and outputs is checked where both are known, see <c>ModelCardCheck</c>.</summary>
internal static class ModelCardValidator
{
    private static readonly string[] Layouts = ["NCHW", "NHWC"];
    private static readonly string[] ColorOrders = ["RGB", "BGR"];
    private static readonly string[] ElementTypes = ["float32", "uint8", "int8"];
    private static readonly string[] ResizeModes = ["stretch", "letterbox", "centerCrop"];
    private static readonly string[] Interpolations = ["bilinear", "nearest", "area"];
    private static readonly string[] Kinds = ["classification", "blazeface", "yolov5", "yolov8", "ssd", "map"];
    private static readonly string[] SoftmaxModes = ["auto", "always", "never"];

    public static void Validate(ModelCard card, List<string> errors)
    {
        var input = card.Input;
        OneOf("input.layout", input.Layout, Layouts, errors);
        OneOf("input.colorOrder", input.ColorOrder, ColorOrders, errors);
        OneOf("input.elementType", input.ElementType, ElementTypes, errors);
        OneOf("input.resize", input.Resize, ResizeModes, errors);
        OneOf("input.interpolation", input.Interpolation, Interpolations, errors);
        AtLeast("input.width", input.Width, 1, errors);
        AtLeast("input.height", input.Height, 1, errors);
        if (input.Channels is not (1 or 3))
            errors.Add($"input.channels: {input.Channels} is not allowed, expected 1 or 3");
        if (input.PadValue is < 0 or > 255)
            errors.Add($"input.padValue: {input.PadValue} is not allowed, expected an integer from 0 to 255");
        ValidateNormalization(input, errors);
        if (input.Quantization is { } q && !(q.Scale > 0 && float.IsFinite(q.Scale)))
            errors.Add($"input.quantization.scale: {q.Scale} is not allowed, expected a finite number > 0");

        var post = card.Postprocess;
        OneOf("postprocess.kind", post.Kind, Kinds, errors);
        if (post.Softmax is not null) OneOf("postprocess.softmax", post.Softmax, SoftmaxModes, errors);
        if (post.MinScore is { } s && s is < 0 or > 1)
            errors.Add($"postprocess.minScore: {s} is not allowed, expected a number from 0 to 1");
        if (post.IouThreshold is { } iou && iou is <= 0 or > 1)
            errors.Add($"postprocess.iouThreshold: {iou} is not allowed, expected a number in (0, 1]");
        if (post.MaxDetections is { } m) AtLeast("postprocess.maxDetections", m, 1, errors);
        if (post.TopK is { } k) AtLeast("postprocess.topK", k, 1, errors);
    }

    private static void ValidateNormalization(CardInput input, List<string> errors)
    {
        if (input.Normalization is not { } n) return;
        bool meanStd = n.Mean is not null || n.Std is not null;
        bool scaleOffset = n.Scale is not null || n.Offset is not null;
        if (meanStd && scaleOffset)
            errors.Add("input.normalization: give either mean/std or scale/offset, not both");
        PerChannel("input.normalization.mean", n.Mean, input.Channels, errors);
        PerChannel("input.normalization.std", n.Std, input.Channels, errors);
        PerChannel("input.normalization.scale", n.Scale, input.Channels, errors);
        PerChannel("input.normalization.offset", n.Offset, input.Channels, errors);
        if (n.Std is { } std)
            for (int i = 0; i < std.Count; i++)
                if (std[i] == 0 || !float.IsFinite(std[i]))
                    errors.Add($"input.normalization.std[{i}]: {std[i]} is not allowed, expected a finite non-zero number");
    }

    private static void PerChannel(string path, List<float>? values, int channels, List<string> errors)
    {
        if (values is null) return;
        if (values.Count != 1 && values.Count != channels)
            errors.Add($"{path}: {values.Count} values is not allowed, expected 1 or {channels} (one per channel)");
    }

    private static void OneOf(string path, string value, string[] allowed, List<string> errors)
    {
        if (Array.IndexOf(allowed, value) < 0)
            errors.Add($"{path}: \"{value}\" is not allowed, expected one of {string.Join(", ", allowed.Select(a => $"\"{a}\""))}");
    }

    private static void AtLeast(string path, int value, int min, List<string> errors)
    {
        if (value < min) errors.Add($"{path}: {value} is not allowed, expected an integer >= {min}");
    }
}
