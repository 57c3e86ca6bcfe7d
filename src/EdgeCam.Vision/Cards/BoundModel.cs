using EdgeCam.Imaging.Preprocessing;

namespace EdgeCam.Vision.Cards;

/// <summary>A model card checked against its model and turned into the objects that run it.</summary>
public sealed record BoundModel(
    string InputName,
    long[] InputShape,
    PreprocessPlan Plan,
    IPostprocessor Postprocessor,
    IReadOnlyList<string> Labels,
    bool IsDetector)
{
    /// <summary>The label of class <paramref name="index"/>, or its number when the card has none.</summary>
    public string Label(int index) => index >= 0 && index < Labels.Count ? Labels[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
