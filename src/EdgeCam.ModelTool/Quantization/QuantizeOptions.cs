namespace EdgeCam.ModelTool.Quantization;

public sealed record QuantizeOptions
{
    /// <summary>Mse by default: on the OCR text detector MinMax ranges leave its probability map only
    /// 0.47 IoU with float's on text photos (0.81 with Mse), and no model measured agreed less with
    /// float with Mse (docs/BENCHMARKS.md, issue #7).</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.Mse;
    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the share of values kept inside the range at each end.</summary>
    public double Percentile { get; init; } = 99.999;
    /// <summary>uint8 activations (U8S8) instead of int8 (S8S8, ORT's recommended default).</summary>
    public bool UnsignedActivations { get; init; }
    /// <summary>Conv biases as int32 behind a DequantizeLinear (input scale x weight scale), for
    /// runtimes that need them; ORT's CPU provider fuses float biases into the same integer kernels.</summary>
    public bool Int32Biases { get; init; }
    /// <summary>Node names or operator types left in float.</summary>
    public IReadOnlySet<string> KeepFloat { get; init; } = new HashSet<string>();
    /// <summary>Short value names, no node names (NameCompaction) and the other byte savings of
    /// GraphSlimming; off keeps the exporter's names (the outputs are the same).</summary>
    public bool CompactNames { get; init; } = true;
    /// <summary>Cross-layer equalisation of Conv -> (ReLU) -> Conv pairs before calibration.</summary>
    public bool Equalize { get; init; } = true;
}

/// <summary>What the quantiser did, for the command's summary line.</summary>
public sealed record QuantizeSummary(int QuantizedNodes, int WeightTensors, int ActivationTensors, int RemovedActivations, int FoldedBatchNorms, int EqualizedPairs, string Domain)
{
    /// <summary>Constant scales and offsets folded into Convs (<see cref="Graph.AffineFolding"/>).</summary>
    public int FoldedAffines { get; init; }
    /// <summary>Max pools given their own output range back because the runtime runs them as slow 8-bit NCHW pools.</summary>
    public int UnsharedPools { get; init; }
}
