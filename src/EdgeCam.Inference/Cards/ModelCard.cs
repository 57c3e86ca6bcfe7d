namespace EdgeCam.Inference.Cards;

/// <summary>
/// Everything EdgeCam needs to know about a model beyond the ONNX file: how a frame becomes its
/// input tensor, how its outputs become results, and what its classes are called. A small JSON
/// document shipped beside the model (MODEL.card.json) or inside its ONNX metadata under the key
/// <see cref="MetadataKey"/>.
/// </summary>
public sealed class ModelCard
{
    public const string MetadataKey = "edgecam.card";

    public string? Name { get; set; }
    public string? Version { get; set; }
    public string? Description { get; set; }
    public CardInput Input { get; set; } = new();
    public CardPostprocess Postprocess { get; set; } = new();
    public List<string> Labels { get; set; } = [];
}

public sealed class CardInput
{
    /// <summary>The model input this describes; may be omitted when the model has one input.</summary>
    public string? Name { get; set; }
    /// <summary>"NCHW" or "NHWC".</summary>
    public string Layout { get; set; } = "NCHW";
    public int Width { get; set; }
    public int Height { get; set; }
    public int Channels { get; set; } = 3;
    /// <summary>"RGB" or "BGR" (ignored for one channel).</summary>
    public string ColorOrder { get; set; } = "RGB";
    /// <summary>"float32", "uint8" or "int8"; must equal the model input's element type.</summary>
    public string ElementType { get; set; } = "float32";
    /// <summary>For float inputs: how 0..255 channel values are normalised.</summary>
    public CardNormalization? Normalization { get; set; }
    /// <summary>For int8/uint8 inputs that expect quantised values (real = (q - zeroPoint) * scale).</summary>
    public CardQuantization? Quantization { get; set; }
    /// <summary>"stretch", "letterbox" or "centerCrop".</summary>
    public string Resize { get; set; } = "stretch";
    /// <summary>"bilinear", "nearest" or "area".</summary>
    public string Interpolation { get; set; } = "bilinear";
    /// <summary>The 0..255 value letterbox borders get before normalisation.</summary>
    public int PadValue { get; set; }
}

/// <summary>
/// Either mean/std (value = (v - mean) / std, on 0..255 values) or scale/offset
/// (value = v * scale + offset); one value for all channels or one per channel, in tensor channel order.
/// </summary>
public sealed class CardNormalization
{
    public List<float>? Mean { get; set; }
    public List<float>? Std { get; set; }
    public List<float>? Scale { get; set; }
    public List<float>? Offset { get; set; }
}

public sealed class CardQuantization
{
    public float Scale { get; set; } = 1f;
    public int ZeroPoint { get; set; }
}

/// <summary>How outputs become results. <see cref="Kind"/> selects the decoder; the other fields
/// are that decoder's parameters (unused ones are ignored, and named in a warning).</summary>
public sealed class CardPostprocess
{
    /// <summary>"classification", "blazeface", "yolov5", "yolov8" or "ssd".</summary>
    public string Kind { get; set; } = "classification";
    public float? MinScore { get; set; }
    public float? IouThreshold { get; set; }
    public int? MaxDetections { get; set; }
    public int? TopK { get; set; }
    /// <summary>Classification: "auto", "always" or "never".</summary>
    public string? Softmax { get; set; }
    /// <summary>YOLO/SSD: scores are logits that need a sigmoid.</summary>
    public bool? Sigmoid { get; set; }
    /// <summary>YOLO/SSD: suppress across classes instead of per class.</summary>
    public bool? ClassAgnosticNms { get; set; }
    /// <summary>Output names the decoder reads, when it cannot find them by shape.</summary>
    public List<string>? Outputs { get; set; }
}
