namespace EdgeCam.Vision;

/// <summary>What a postprocessor makes of one frame's outputs; reused frame after frame.</summary>
public sealed class InferenceResult(int maxDetections = 256, int maxClasses = 16)
{
    public DetectionList Detections { get; } = new(maxDetections);

    /// <summary>Top classes, best first, for classifiers.</summary>
    public ClassScore[] Classes { get; } = new ClassScore[maxClasses];
    public int ClassCount { get; set; }

    public ReadOnlySpan<ClassScore> TopClasses => Classes.AsSpan(0, ClassCount);

    public void Clear()
    {
        Detections.Clear();
        ClassCount = 0;
    }
}
