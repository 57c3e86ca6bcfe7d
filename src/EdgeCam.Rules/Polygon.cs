namespace EdgeCam.Rules;

/// <summary>A closed polygon in image pixels; works for concave shapes (even-odd ray casting).</summary>
public sealed class Polygon
{
    private readonly float[] _x, _y;

    public Polygon(IReadOnlyList<IReadOnlyList<float>> points)
    {
        _x = points.Select(p => p[0]).ToArray();
        _y = points.Select(p => p[1]).ToArray();
    }

    public bool Contains(float x, float y)
    {
        bool inside = false;
        for (int i = 0, j = _x.Length - 1; i < _x.Length; j = i++)
        {
            if ((_y[i] > y) != (_y[j] > y) && x < (_x[j] - _x[i]) * (y - _y[i]) / (_y[j] - _y[i]) + _x[i])
                inside = !inside;
        }
        return inside;
    }
}
