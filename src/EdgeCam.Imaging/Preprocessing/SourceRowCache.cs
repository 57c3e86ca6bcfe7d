using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Source rows converted to planar float R, G, B, so each source row is colour-converted once
/// per frame however many tensor rows read it. Direct-mapped by row index modulo the slot count:
/// one tensor row needs at most <c>slots</c> distinct source rows and they are consecutive
/// (clamping only repeats an edge row, mirroring keeps them consecutive), so they never collide.
/// <para>For bilinear, each cached row is also gathered through the two column taps once
/// (<see cref="Gathered"/>): every tensor row that reads the source row then blends with plain
/// vector loads instead of re-gathering, which matters most for upscales and mild downscales
/// where several tensor rows share a source row.</para>
/// </summary>
internal sealed class SourceRowCache
{
    private readonly int[] _keys;
    private readonly float[][] _r, _g, _b;
    private readonly float[][] _gathered;
    private readonly AxisTaps? _gather;
    private readonly int _columns;

    /// <param name="gather">Column taps to pre-gather through (bilinear), or null.</param>
    public SourceRowCache(int slots, int columns, AxisTaps? gather)
    {
        _columns = columns;
        _gather = gather;
        _keys = new int[slots];
        _r = new float[slots][];
        _g = new float[slots][];
        _b = new float[slots][];
        _gathered = new float[gather is null ? 0 : slots][];
        for (int i = 0; i < slots; i++)
        {
            _r[i] = new float[columns];
            _g[i] = new float[columns];
            _b[i] = new float[columns];
            if (gather is not null) _gathered[i] = new float[3 * gather.Taps * gather.Stride];
        }
    }

    /// <summary>Forgets every row: a new frame has new pixels.</summary>
    public void Reset() => _keys.AsSpan().Fill(-1);

    /// <summary>The slot holding source row <paramref name="sy"/>, converting it if needed.</summary>
    public int Get(scoped in ImageView source, int sy, int columnStart, in YuvCoefficients yuv)
    {
        int slot = sy % _keys.Length;
        if (_keys[slot] != sy)
        {
            RowConverters.Convert(source, sy, columnStart, _columns, yuv, _r[slot], _g[slot], _b[slot]);
            if (_gather is not null) Gather(_gather, _r[slot], _g[slot], _b[slot], _gathered[slot]);
            _keys[slot] = sy;
        }
        return slot;
    }

    // Layout [(channel * taps + tap) * stride + column], channels R, G, B.
    private static void Gather(AxisTaps taps, float[] r, float[] g, float[] b, float[] dst)
    {
        int stride = taps.Stride, n = taps.Taps;
        int[] index = taps.Index;
        for (int k = 0; k < n; k++)
        {
            var idx = index.AsSpan(k * stride, stride);
            var dr = dst.AsSpan(k * stride, stride);
            var dg = dst.AsSpan((n + k) * stride, stride);
            var db = dst.AsSpan((2 * n + k) * stride, stride);
            for (int q = 0; q < idx.Length; q++)
            {
                int s = idx[q];
                dr[q] = r[s];
                dg[q] = g[s];
                db[q] = b[s];
            }
        }
    }

    /// <summary>Row of <paramref name="slot"/> read through the column taps: channel c, tap k at
    /// <c>[(c * taps + k) * stride + column]</c>.</summary>
    public float[] Gathered(int slot) => _gathered[slot];

    public float[] R(int slot) => _r[slot];
    public float[] G(int slot) => _g[slot];
    public float[] B(int slot) => _b[slot];
}
