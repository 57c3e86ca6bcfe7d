namespace EdgeCam.Inference;

/// <summary>
/// A read-only set of named tensors, e.g. a model's outputs after a run. Postprocessors read
/// through this so they can be tested on synthetic arrays as well as on ORT's own buffers.
/// </summary>
public interface ITensorSet
{
    int Count { get; }
    string NameOf(int index);
    /// <summary>Index of the tensor named <paramref name="name"/>, or -1.</summary>
    int IndexOf(string name);
    ReadOnlySpan<long> ShapeOf(int index);
    /// <summary>The tensor's elements; throws when its element type is not float32.</summary>
    ReadOnlySpan<float> AsFloat(int index);
}
