using EdgeCam.Imaging.Preprocessing;

namespace EdgeCam.Vision.Postprocessing;

/// <summary>
/// Scratch space a detector decodes candidates into before suppression: boxes in model-input
/// pixels, scores, classes and keypoints, sized once for the model's anchor count. Sorting and
/// suppression work on index arrays, so a frame allocates nothing.
/// </summary>
public sealed class CandidateBuffer
{
    public readonly float[] Boxes;      // x0, y0, x1, y1 per candidate
    public readonly float[] Scores;
    public readonly int[] Classes;
    public readonly float[] Keypoints;  // KeypointCount * 2 per candidate
    public readonly int KeypointCount;
    private readonly int[] _order;
    private readonly float[] _sortKeys;
    private readonly bool[] _suppressed;

    public int Count { get; private set; }
    public int Capacity => Scores.Length;

    public CandidateBuffer(int capacity, int keypointCount = 0)
    {
        Boxes = new float[capacity * 4];
        Scores = new float[capacity];
        Classes = new int[capacity];
        KeypointCount = keypointCount;
        Keypoints = new float[capacity * keypointCount * 2];
        _order = new int[capacity];
        _sortKeys = new float[capacity];
        _suppressed = new bool[capacity];
    }

    public void Clear() => Count = 0;

    /// <summary>Adds a candidate and returns its index (to fill keypoints), or -1 when full.</summary>
    public int Add(float x0, float y0, float x1, float y1, float score, int classIndex)
    {
        if (Count == Capacity) return -1;
        int i = Count++;
        Boxes[i * 4] = MathF.Min(x0, x1); Boxes[i * 4 + 1] = MathF.Min(y0, y1);
        Boxes[i * 4 + 2] = MathF.Max(x0, x1); Boxes[i * 4 + 3] = MathF.Max(y0, y1);
        Scores[i] = score;
        Classes[i] = classIndex;
        return i;
    }

    public BoxF Box(int i) => new(Boxes[i * 4], Boxes[i * 4 + 1], Boxes[i * 4 + 2], Boxes[i * 4 + 3]);

    /// <summary>Candidate indices by descending score; ties keep insertion order (stable).</summary>
    public ReadOnlySpan<int> SortByScore()
    {
        for (int i = 0; i < Count; i++)
        {
            _order[i] = i;
            // Negated for descending order; the tiny index term keeps equal scores stable.
            _sortKeys[i] = -Scores[i];
        }
        Array.Sort(_sortKeys, _order, 0, Count);
        // Array.Sort is unstable: restore insertion order among equal scores (rare, short runs).
        for (int i = 1; i < Count; i++)
        {
            int j = i;
            while (j > 0 && _sortKeys[j - 1] == _sortKeys[j] && _order[j - 1] > _order[j])
            {
                (_order[j - 1], _order[j]) = (_order[j], _order[j - 1]);
                j--;
            }
        }
        return _order.AsSpan(0, Count);
    }

    internal Span<bool> Suppressed => _suppressed.AsSpan(0, Count);

    /// <summary>Writes candidate <paramref name="i"/> into a detection, mapped to source pixels.</summary>
    public void Emit(int i, in InputMapping mapping, InferenceResult result)
    {
        var d = new Detection { ClassIndex = Classes[i], Score = Scores[i] };
        d.Box = MapBox(Boxes[i * 4], Boxes[i * 4 + 1], Boxes[i * 4 + 2], Boxes[i * 4 + 3], mapping);
        for (int k = 0; k < Math.Min(KeypointCount, Detection.MaxKeypoints); k++)
        {
            int o = (i * KeypointCount + k) * 2;
            d.SetKeypoint(k, mapping.MapX(Keypoints[o]), mapping.MapY(Keypoints[o + 1]));
        }
        result.Detections.Add(d);
    }

    public static BoxF MapBox(float x0, float y0, float x1, float y1, in InputMapping mapping)
    {
        float a = mapping.MapX(x0), b = mapping.MapX(x1), c = mapping.MapY(y0), e = mapping.MapY(y1);
        return new BoxF(MathF.Min(a, b), MathF.Min(c, e), MathF.Max(a, b), MathF.Max(c, e));
    }
}
