namespace EdgeCam.Devices.Video;

/// <summary>Finds V4L2 devices: by path, or by card name, bus info or driver name among /dev/video*.</summary>
public static class V4l2Catalog
{
    public static IEnumerable<string> DevicePaths() =>
        Directory.Exists("/dev")
            ? Directory.EnumerateFiles("/dev", "video*").Where(p => int.TryParse(p.AsSpan("/dev/video".Length), out _))
                .OrderBy(p => int.Parse(p.AsSpan("/dev/video".Length)))
            : [];

    /// <summary>Opens "/dev/videoN" directly, or the first streaming capture device whose card,
    /// bus info or driver is <paramref name="spec"/>.</summary>
    public static V4l2Device OpenBySpec(string spec)
    {
        if (spec.StartsWith('/')) return V4l2Device.Open(spec);
        var seen = new List<string>();
        foreach (var path in DevicePaths())
        {
            V4l2Device device;
            try { device = V4l2Device.Open(path); }
            catch (V4l2Exception) { continue; }
            if (device.CanCaptureAndStream && (device.Card == spec || device.BusInfo == spec || device.Driver == spec)) return device;
            seen.Add($"{path} \"{device.Card}\"");
            device.Dispose();
        }
        throw new V4l2Exception($"camera \"{spec}\": no capture device with that card, bus or driver name" +
            (seen.Count > 0 ? $" (found {string.Join(", ", seen)})" : " (no /dev/video* devices)"), Native.LibC.ENODEV);
    }
}
