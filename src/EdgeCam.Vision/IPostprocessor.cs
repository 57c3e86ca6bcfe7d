using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference;

namespace EdgeCam.Vision;

/// <summary>Turns a model's raw outputs into detections or class scores in source-image
/// coordinates. Implementations allocate nothing per call.</summary>
public interface IPostprocessor
{
    /// <summary>Checks once, at load, that the model's outputs are what this decoder expects
    /// (names, shapes), throwing an error that names the mismatch.</summary>
    void Validate(ITensorSet outputs);

    void Process(ITensorSet outputs, in InputMapping mapping, InferenceResult result);
}
