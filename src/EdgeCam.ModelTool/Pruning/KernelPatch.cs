using EdgeCam.ModelTool.Onnx;
using EdgeCam.ModelTool.Onnx.Proto;

namespace EdgeCam.ModelTool.Pruning;

/// <summary>
/// The input window of one output pixel of a Conv (kernel, strides, explicit pads; no dilation):
/// its values in weight order ([channel, kernel row, kernel column], zeros where it overhangs the
/// input) are the im2col row that least squares fits the Conv's weights to.
/// </summary>
public readonly record struct KernelPatch(int Height, int Width, int StrideH, int StrideW, int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    /// <summary>One tap, stride 1, no pads: a 1x1 Conv's input pixel (or a ConvTranspose's).</summary>
    public static readonly KernelPatch Single = new(1, 1, 1, 1, 0, 0, 0, 0);

    public int Taps => Height * Width;

    /// <summary>The window of a Conv node with weights of the given kernel size.</summary>
    public static KernelPatch Of(NodeProto conv, int kernelH, int kernelW)
    {
        var strides = GraphIndex.IntsAttribute(conv, "strides");
        var pads = GraphIndex.IntsAttribute(conv, "pads");
        int Stride(int axis) => strides.Count == 2 ? (int)strides[axis] : 1;
        int Pad(int i) => pads.Count == 4 ? (int)pads[i] : 0;
        return new KernelPatch(kernelH, kernelW, Stride(0), Stride(1), Pad(0), Pad(1), Pad(2), Pad(3));
    }

    /// <summary>Output rows (axis 0) or columns (axis 1) for an input of the given size.</summary>
    public int OutputSize(int inputSize, int axis) => axis == 0
        ? (inputSize + PadTop + PadBottom - Height) / StrideH + 1
        : (inputSize + PadLeft + PadRight - Width) / StrideW + 1;

    /// <summary>Appends the window of output pixel (i, j) over a [channels, h, w] input.</summary>
    public void AddRow(List<double> row, ReadOnlySpan<float> input, int channels, int h, int w, int i, int j)
    {
        int top = i * StrideH - PadTop, left = j * StrideW - PadLeft;
        for (int c = 0; c < channels; c++)
            for (int di = 0; di < Height; di++)
            {
                int y = top + di;
                for (int dj = 0; dj < Width; dj++)
                {
                    int x = left + dj;
                    row.Add(y >= 0 && y < h && x >= 0 && x < w ? input[(c * h + y) * w + x] : 0);
                }
            }
    }
}
