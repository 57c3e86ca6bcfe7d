using EdgeCam.Inference;

namespace EdgeCam.Tests.Vision;

/// <summary>Named float tensors in plain arrays: synthetic model outputs with known answers.</summary>
public sealed class ArrayTensorSet : ITensorSet
{
    private readonly List<(string Name, long[] Shape, float[] Data)> _tensors = [];

    public ArrayTensorSet Add(string name, long[] shape, float[]? data = null)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        _tensors.Add((name, shape, data ?? new float[n]));
        return this;
    }

    public float[] Data(string name) => _tensors.First(t => t.Name == name).Data;

    public int Count => _tensors.Count;
    public string NameOf(int index) => _tensors[index].Name;
    public int IndexOf(string name) => _tensors.FindIndex(t => t.Name == name);
    public ReadOnlySpan<long> ShapeOf(int index) => _tensors[index].Shape;
    public ReadOnlySpan<float> AsFloat(int index) => _tensors[index].Data;
}
