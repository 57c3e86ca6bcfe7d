namespace EdgeCam.ModelTool.Graph;

/// <summary>
/// Where the output channels are in a layer's weight: axis 0 for Conv [Cout, Cin/g, k...], axis 1
/// for ConvTranspose [Cin, Cout/g, k...] (group 1) and for MatMul [K, N]; Gemm depends on transB.
/// </summary>
public readonly record struct WeightLayout(long[] Dims, int Axis)
{
    public int OutChannels => (int)Dims[Axis];
    /// <summary>Elements in one output channel's slice, and slices before the axis.</summary>
    public long Inner => Dims.Skip(Axis + 1).Aggregate(1L, (a, b) => a * b);
    public long Outer => Dims.Take(Axis).Aggregate(1L, (a, b) => a * b);

    public static WeightLayout Of(string op, long[] dims, bool transB = false) => op switch
    {
        "ConvTranspose" => new(dims, 1),
        "MatMul" => new(dims, dims.Length - 1),
        "Gemm" => new(dims, transB ? 0 : 1),
        _ => new(dims, 0),
    };

    public int ChannelOf(long flatIndex) => (int)(flatIndex / Inner % OutChannels);

    public void ScaleOutputChannels(float[] weights, float[] factor)
    {
        for (long i = 0; i < weights.LongLength; i++) weights[i] *= factor[ChannelOf(i)];
    }
}
