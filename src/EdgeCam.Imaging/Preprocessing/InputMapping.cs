namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// The affine map from model-input pixel coordinates back to source-image pixel coordinates
/// that one preprocessing pass used: <c>source = input * Scale + Offset</c> per axis. Boxes a
/// detector finds in the model's input are brought back with it (letterbox and crop undone).
/// Flip and rotation are folded in as negative scales.
/// </summary>
public readonly record struct InputMapping(float ScaleX, float ScaleY, float OffsetX, float OffsetY,
    int SourceWidth, int SourceHeight)
{
    public float MapX(float inputX) => inputX * ScaleX + OffsetX;
    public float MapY(float inputY) => inputY * ScaleY + OffsetY;
}
