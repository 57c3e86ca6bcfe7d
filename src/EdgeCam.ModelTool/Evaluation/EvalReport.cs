namespace EdgeCam.ModelTool.Evaluation;

/// <summary>A candidate model against its float reference on real images (`edgecam-model eval`).</summary>
public sealed record EvalReport
{
    public required string Candidate { get; init; }
    public required string Reference { get; init; }
    public required string Kind { get; init; }              // detector, classifier, map
    public required int Images { get; init; }
    public required int Inputs { get; init; }               // images plus crops
    public required long CandidateBytes { get; init; }
    public required long ReferenceBytes { get; init; }
    public double SizeRatio => CandidateBytes / (double)ReferenceBytes;
    public required double CandidateMedianMs { get; init; }
    public required double ReferenceMedianMs { get; init; }
    /// <summary>Reference time / candidate time: above 1, the candidate is faster.</summary>
    public double Speedup => ReferenceMedianMs / CandidateMedianMs;
    public required int LatencyRuns { get; init; }
    public required int Threads { get; init; }
    public DetectionQuality? CandidateVsTruth { get; init; }
    public DetectionQuality? ReferenceVsTruth { get; init; }
    public DetectionQuality? CandidateVsReference { get; init; }
    public double? Top1Agreement { get; init; }
    /// <summary>Top-1 agreement on the inputs where the reference's top score is at least 0.9
    /// (decisions the reference is sure of), and how many inputs those are.</summary>
    public double? Top1AgreementConfident { get; init; }
    public int? ConfidentInputs { get; init; }
    /// <summary>With --text-lines: the share of inputs whose top class is the known orientation.</summary>
    public double? ReferenceAccuracy { get; init; }
    public double? CandidateAccuracy { get; init; }
    public double? MapIoU { get; init; }
    public required IReadOnlyList<OutputError> Outputs { get; init; }
}

public sealed record DetectionQuality(int TruePositives, int FalsePositives, int FalseNegatives, double Precision, double Recall);

/// <summary>Differences of one output over all inputs: mean and largest absolute difference,
/// and the RMS difference relative to the reference's RMS.</summary>
public sealed record OutputError(string Name, double MeanAbs, double MaxAbs, double RelativeRms);
