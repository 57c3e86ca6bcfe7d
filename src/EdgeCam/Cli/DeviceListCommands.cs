using EdgeCam.Devices.Gpio;
using EdgeCam.Devices.Video;

namespace EdgeCam.Cli;

/// <summary>`edgecam camera list` and `edgecam gpio list`: what the kernel offers, for writing a configuration.</summary>
public static class DeviceListCommands
{
    public static int Cameras()
    {
        int found = 0;
        foreach (var path in V4l2Catalog.DevicePaths())
        {
            V4l2Device device;
            try { device = V4l2Device.Open(path); }
            catch (V4l2Exception e) { Console.Error.WriteLine($"edgecam: {e.Message}"); continue; }
            using (device)
            {
                found++;
                Console.WriteLine($"{path}: \"{device.Card}\" driver {device.Driver}, bus {device.BusInfo}" +
                    (device.CanCaptureAndStream ? "" : " (not a streaming capture device)"));
                if (!device.CanCaptureAndStream) continue;
                foreach (var f in device.EnumerateFormats())
                {
                    string usable = V4l2Formats.ToPixelFormat(f.FourCc) is null ? " (EdgeCam cannot read it)" : "";
                    Console.WriteLine($"  {f.Name} {f.Description}{usable}: {string.Join(", ", f.Sizes)}");
                }
            }
        }
        if (found == 0) Console.WriteLine("no V4L2 devices (/dev/video*)");
        return ExitCodes.Ok;
    }

    public static int Chips()
    {
        var paths = KernelGpioChip.ChipPaths().ToList();
        if (paths.Count == 0) Console.WriteLine("no GPIO chips (/dev/gpiochip*); configurations with chip \"auto\" use the simulated chip");
        foreach (var path in paths)
        {
            using var chip = KernelGpioChip.Open(path);
            Console.WriteLine($"{path}: {chip.Name} \"{chip.Label}\", {chip.LineCount} lines");
            for (int i = 0; i < chip.LineCount; i++)
            {
                var l = chip.LineInfo(i);
                Console.WriteLine($"  line {i,3}: {(l.Name.Length > 0 ? $"\"{l.Name}\"" : "unnamed"),-20} {(l.IsOutput ? "output" : "input"),-6}" +
                    $"{(l.ActiveLow ? " active-low" : "")}{(l.Used ? $" used by \"{l.Consumer}\"" : "")}");
            }
        }
        return ExitCodes.Ok;
    }
}
