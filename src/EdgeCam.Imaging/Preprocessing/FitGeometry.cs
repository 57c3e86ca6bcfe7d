namespace EdgeCam.Imaging.Preprocessing;

/// <summary>
/// Where the source lands in the tensor for one plan and one source size: the source region that
/// is sampled (the crop, narrowed further by centre-crop) and the tensor rectangle it fills
/// (smaller than the tensor under letterbox; the rest is padding). Computed once per source size.
/// </summary>
public readonly record struct FitGeometry(
    double SrcX, double SrcY, double SrcWidth, double SrcHeight,
    int DstX, int DstY, int DstWidth, int DstHeight,
    int RegionX, int RegionY, int RegionWidth, int RegionHeight)
{
    /// <summary>Source pixels per tensor pixel, per axis.</summary>
    public double ScaleX => SrcWidth / DstWidth;
    public double ScaleY => SrcHeight / DstHeight;

    public static FitGeometry Compute(PreprocessPlan plan, int sourceWidth, int sourceHeight)
    {
        var crop = plan.SourceCrop ?? new CropRect(0, 0, sourceWidth, sourceHeight);
        if (crop.X < 0 || crop.Y < 0 || crop.Width <= 0 || crop.Height <= 0 ||
            crop.X + crop.Width > sourceWidth || crop.Y + crop.Height > sourceHeight)
            throw new ArgumentException($"source crop {crop} does not fit the {sourceWidth}x{sourceHeight} source");

        int outW = plan.Width, outH = plan.Height;
        double srcX = crop.X, srcY = crop.Y, srcW = crop.Width, srcH = crop.Height;
        int dstX = 0, dstY = 0, dstW = outW, dstH = outH;
        switch (plan.Resize)
        {
            case ResizeMode.Letterbox:
            {
                double scale = Math.Min(outW / srcW, outH / srcH);
                dstW = Math.Clamp((int)Math.Round(srcW * scale), 1, outW);
                dstH = Math.Clamp((int)Math.Round(srcH * scale), 1, outH);
                dstX = (outW - dstW) / 2;
                dstY = (outH - dstH) / 2;
                break;
            }
            case ResizeMode.CenterCrop:
            {
                // Keep the tensor's aspect ratio: cut the source's overhang equally on both sides.
                double scale = Math.Max(outW / srcW, outH / srcH);
                double keepW = outW / scale, keepH = outH / scale;
                srcX += (srcW - keepW) / 2;
                srcY += (srcH - keepH) / 2;
                srcW = keepW;
                srcH = keepH;
                break;
            }
        }
        return new FitGeometry(srcX, srcY, srcW, srcH, dstX, dstY, dstW, dstH, crop.X, crop.Y, crop.Width, crop.Height);
    }

    /// <summary>The map from tensor coordinates (pixel edges) back to source coordinates, with
    /// flip and rotation folded in as negative scales.</summary>
    public InputMapping Mapping(PreprocessPlan plan, int sourceWidth, int sourceHeight)
    {
        float sx = (float)ScaleX, sy = (float)ScaleY;
        float ox = (float)(SrcX - DstX * ScaleX), oy = (float)(SrcY - DstY * ScaleY);
        bool mirrorX = plan.FlipHorizontal ^ plan.Rotate180, mirrorY = plan.Rotate180;
        // Mirroring happens inside the sampled region: x -> (2*regionX + regionW) - x.
        if (mirrorX) { sx = -sx; ox = (float)(2 * RegionX + RegionWidth) - ox; }
        if (mirrorY) { sy = -sy; oy = (float)(2 * RegionY + RegionHeight) - oy; }
        return new InputMapping(sx, sy, ox, oy, sourceWidth, sourceHeight);
    }
}
