using EdgeCam.Imaging.Frames;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Source rows converted to planar float R, G, B, so each source row is colour-converted once
/// per frame however many tensor rows read it. Direct-mapped by row index modulo the slot count:
/// one tensor row needs at most <c>slots</c> distinct source rows and they are consecutive
/// (clamping only repeats an edge row, mirroring keeps them consecutive), so they never collide.
/// </summary>
internal sealed class SourceRowCache
{
    private readonly int[] _keys;
    private readonly float[][] _r, _g, _b;
    private readonly int _columns;

    public SourceRowCache(int slots, int columns)
    {
        _columns = columns;
        _keys = new int[slots];
        _r = new float[slots][];
        _g = new float[slots][];
        _b = new float[slots][];
        for (int i = 0; i < slots; i++)
        {
            _r[i] = new float[columns];
            _g[i] = new float[columns];
            _b[i] = new float[columns];
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
            _keys[slot] = sy;
        }
        return slot;
    }

    public float[] R(int slot) => _r[slot];
    public float[] G(int slot) => _g[slot];
    public float[] B(int slot) => _b[slot];
}
