using System.Diagnostics;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Rules;

namespace EdgeCam.Adapting;

/// <summary>
/// Lets inference run only while something moves, to save power: a PIR input reports motion, or a
/// cheap frame difference does (the mean absolute luma difference over a 32x24 grid of samples
/// against the previous checked frame, 0..255). The gate stays open for <c>holdMs</c> after the last
/// motion. The first frame always passes. Allocation-free; pipeline thread only.
/// </summary>
public sealed class MotionGate(double differenceThreshold, IBinaryInput? input, long holdMs)
{
    private const int GridWidth = 32, GridHeight = 24;
    private static readonly YuvCoefficients Yuv = YuvCoefficients.For(YuvColorSpace.Bt601Limited);
    private readonly long _holdTicks = holdMs * Stopwatch.Frequency / 1000;
    private byte[] _previous = new byte[GridWidth * GridHeight], _current = new byte[GridWidth * GridHeight];
    private bool _hasPrevious, _first = true;
    private long _lastMotionTicks;

    /// <summary>The last measured mean difference (NaN before two frames).</summary>
    public double LastDifference { get; private set; } = double.NaN;
    public bool Open { get; private set; } = true;

    /// <summary>The motion input; replaced when a config reload re-requests the GPIO lines.</summary>
    public IBinaryInput? Input { get; set; } = input;

    public bool Moving(Frame frame, long nowTicks)
    {
        bool motion = _first || Input?.IsActive == true;
        _first = false;
        if (differenceThreshold > 0)
        {
            Sample(frame.View, _current);
            if (_hasPrevious)
            {
                int sum = 0;
                for (int i = 0; i < _current.Length; i++) sum += Math.Abs(_current[i] - _previous[i]);
                LastDifference = sum / (double)_current.Length;
                motion |= LastDifference >= differenceThreshold;
            }
            (_previous, _current) = (_current, _previous);
            _hasPrevious = true;
        }
        if (motion) _lastMotionTicks = nowTicks;
        Open = nowTicks - _lastMotionTicks <= _holdTicks;
        return Open;
    }

    private static void Sample(scoped in ImageView view, byte[] grid)
    {
        for (int gy = 0; gy < GridHeight; gy++)
        {
            int y = (int)((gy + 0.5) * view.Height / GridHeight);
            for (int gx = 0; gx < GridWidth; gx++)
            {
                int x = (int)((gx + 0.5) * view.Width / GridWidth);
                PixelReader.ReadRgb(view, x, y, Yuv, out float r, out float g, out float b);
                grid[gy * GridWidth + gx] = (byte)(0.299f * r + 0.587f * g + 0.114f * b);
            }
        }
    }
}
