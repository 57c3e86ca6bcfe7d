using System.Runtime.CompilerServices;

namespace EdgeCam.Vision;

/// <summary>An axis-aligned box, corners (X0,Y0) top-left and (X1,Y1) bottom-right, in pixels.</summary>
public readonly record struct BoxF(float X0, float Y0, float X1, float Y1)
{
    public float Width => X1 - X0;
    public float Height => Y1 - Y0;
    public float Area => Width > 0 && Height > 0 ? Width * Height : 0f;
    public float CenterX => (X0 + X1) * 0.5f;
    public float CenterY => (Y0 + Y1) * 0.5f;

    public bool Contains(float x, float y) => x >= X0 && x <= X1 && y >= Y0 && y <= Y1;

    /// <summary>Intersection over union; 0 when either box is empty.</summary>
    public float IoU(in BoxF other)
    {
        float ix = MathF.Min(X1, other.X1) - MathF.Max(X0, other.X0);
        float iy = MathF.Min(Y1, other.Y1) - MathF.Max(Y0, other.Y0);
        if (ix <= 0 || iy <= 0) return 0f;
        float inter = ix * iy;
        float union = Area + other.Area - inter;
        return union > 0 ? inter / union : 0f;
    }
}

/// <summary>Room for up to <see cref="Detection.MaxKeypoints"/> (x, y) pairs inside the detection itself,
/// so a detection list never allocates per frame.</summary>
[InlineArray(Detection.MaxKeypoints * 2)]
public struct KeypointBuffer
{
    private float _element0;
}

/// <summary>One detected object: class, score in [0,1], box and optional keypoints, all in
/// source-image pixel coordinates.</summary>
public struct Detection
{
    public const int MaxKeypoints = 8;

    public int ClassIndex;
    public float Score;
    public BoxF Box;
    public int KeypointCount;
    public KeypointBuffer Keypoints;

    public readonly (float X, float Y) Keypoint(int i)
    {
        if ((uint)i >= (uint)KeypointCount) throw new ArgumentOutOfRangeException(nameof(i));
        return (Keypoints[2 * i], Keypoints[2 * i + 1]);
    }

    public void SetKeypoint(int i, float x, float y)
    {
        if ((uint)i >= MaxKeypoints) throw new ArgumentOutOfRangeException(nameof(i));
        Keypoints[2 * i] = x;
        Keypoints[2 * i + 1] = y;
        if (i >= KeypointCount) KeypointCount = i + 1;
    }
}
