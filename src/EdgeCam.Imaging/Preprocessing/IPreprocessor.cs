using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// The frame-to-tensor seam: one pass from a source image straight into the model's input
/// buffer (colour conversion, crop/fit/resize, flip, normalisation, layout), no intermediate
/// image. The scalar reference and the Vector128 path both implement it.
/// </summary>
public interface IPreprocessor
{
    PreprocessPlan Plan { get; }

    /// <summary>Fills <paramref name="tensor"/> (exactly <see cref="PreprocessPlan.TensorBytes"/>
    /// bytes) from <paramref name="source"/> and returns how input coordinates map back.</summary>
    InputMapping Run(scoped in ImageView source, Span<byte> tensor);
}
