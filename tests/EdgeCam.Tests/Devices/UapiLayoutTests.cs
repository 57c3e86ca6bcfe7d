using System.Diagnostics;
using System.Runtime.CompilerServices;
using EdgeCam.Devices.Gpio.Uapi;
using EdgeCam.Devices.I2c.Uapi;
using EdgeCam.Devices.Video.Uapi;

namespace EdgeCam.Tests.Devices;

/// <summary>
/// Every C# struct and ioctl number that mirrors a kernel header, compared with what gcc computes
/// from this machine's own headers (tests/native/uapi_layout.c): a wrong layout fails CI, not a device.
/// </summary>
public unsafe class UapiLayoutTests
{
    private static readonly Lazy<Dictionary<string, ulong>> Kernel = new(CompileAndRun);

    private static Dictionary<string, ulong> CompileAndRun()
    {
        string source = Path.Combine(EdgeCam.Tests.EndToEnd.InferConformanceTests.RepoRoot, "tests", "native", "uapi_layout.c");
        string exe = Path.Combine(TestAssets.TempDir("uapi"), "uapi_layout");
        Run("gcc", ["-o", exe, source]);
        return Run(exe, []).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[0], p => ulong.Parse(p[1]));
    }

    private static string Run(string file, string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} failed: {error}");
        return output;
    }

    private static void Same(string name, ulong csharp) =>
        Assert.True(Kernel.Value.TryGetValue(name, out ulong kernel) && kernel == csharp,
            $"{name}: C# {csharp}, kernel header {(Kernel.Value.TryGetValue(name, out ulong k) ? k.ToString() : "missing")}");

    /// <summary>Offset of <paramref name="field"/> inside <paramref name="s"/>, in bytes.</summary>
    private static ulong Off<T, TField>(ref T s, ref TField field) where T : unmanaged =>
        (ulong)Unsafe.ByteOffset(ref Unsafe.As<T, byte>(ref s), ref Unsafe.As<TField, byte>(ref field));

    [Fact]
    public void GpioStructsMatchLinuxGpioH()
    {
        Same("sizeof(gpiochip_info)", (ulong)sizeof(GpioChipInfo));
        var chip = new GpioChipInfo();
        Same("offsetof(gpiochip_info.label)", Off(ref chip, ref chip.Label[0]));
        Same("offsetof(gpiochip_info.lines)", Off(ref chip, ref chip.Lines));
        Same("sizeof(gpio_v2_line_attribute)", (ulong)sizeof(GpioV2LineAttribute));
        var attr = new GpioV2LineAttribute();
        Same("offsetof(gpio_v2_line_attribute.flags)", Off(ref attr, ref attr.Flags));
        Same("sizeof(gpio_v2_line_config_attribute)", (ulong)sizeof(GpioV2LineConfigAttribute));
        var ca = new GpioV2LineConfigAttribute();
        Same("offsetof(gpio_v2_line_config_attribute.mask)", Off(ref ca, ref ca.Mask));
        Same("sizeof(gpio_v2_line_config)", (ulong)sizeof(GpioV2LineConfig));
        var cfg = new GpioV2LineConfig();
        Same("offsetof(gpio_v2_line_config.num_attrs)", Off(ref cfg, ref cfg.NumAttrs));
        Same("offsetof(gpio_v2_line_config.attrs)", Off(ref cfg, ref cfg.Attrs[0]));
        Same("sizeof(gpio_v2_line_request)", (ulong)sizeof(GpioV2LineRequest));
        var req = new GpioV2LineRequest();
        Same("offsetof(gpio_v2_line_request.consumer)", Off(ref req, ref req.Consumer[0]));
        Same("offsetof(gpio_v2_line_request.config)", Off(ref req, ref req.Config));
        Same("offsetof(gpio_v2_line_request.num_lines)", Off(ref req, ref req.NumLines));
        Same("offsetof(gpio_v2_line_request.event_buffer_size)", Off(ref req, ref req.EventBufferSize));
        Same("offsetof(gpio_v2_line_request.fd)", Off(ref req, ref req.Fd));
        Same("sizeof(gpio_v2_line_values)", (ulong)sizeof(GpioV2LineValues));
        Same("sizeof(gpio_v2_line_info)", (ulong)sizeof(GpioV2LineInfo));
        var info = new GpioV2LineInfo();
        Same("offsetof(gpio_v2_line_info.offset)", Off(ref info, ref info.Offset));
        Same("offsetof(gpio_v2_line_info.flags)", Off(ref info, ref info.Flags));
        Same("offsetof(gpio_v2_line_info.attrs)", Off(ref info, ref info.Attrs[0]));
        Same("sizeof(gpio_v2_line_event)", (ulong)sizeof(GpioV2LineEvent));
        var ev = new GpioV2LineEvent();
        Same("offsetof(gpio_v2_line_event.id)", Off(ref ev, ref ev.Id));
        Same("offsetof(gpio_v2_line_event.seqno)", Off(ref ev, ref ev.Seqno));
        Same("offsetof(gpio_v2_line_event.line_seqno)", Off(ref ev, ref ev.LineSeqno));
    }

    [Fact]
    public void GpioIoctlNumbersAndFlagsMatch()
    {
        Same("GPIO_GET_CHIPINFO_IOCTL", GpioUapiConstants.GetChipInfo);
        Same("GPIO_V2_GET_LINEINFO_IOCTL", GpioUapiConstants.GetLineInfoV2);
        Same("GPIO_V2_GET_LINE_IOCTL", GpioUapiConstants.GetLineV2);
        Same("GPIO_V2_LINE_SET_CONFIG_IOCTL", GpioUapiConstants.LineSetConfigV2);
        Same("GPIO_V2_LINE_GET_VALUES_IOCTL", GpioUapiConstants.LineGetValuesV2);
        Same("GPIO_V2_LINE_SET_VALUES_IOCTL", GpioUapiConstants.LineSetValuesV2);
        Same("GPIO_V2_LINE_FLAG_ACTIVE_LOW", GpioUapiConstants.FlagActiveLow);
        Same("GPIO_V2_LINE_FLAG_OUTPUT", GpioUapiConstants.FlagOutput);
        Same("GPIO_V2_LINE_FLAG_BIAS_DISABLED", GpioUapiConstants.FlagBiasDisabled);
        Same("GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME", GpioUapiConstants.FlagEventClockRealtime);
        Same("GPIO_V2_LINE_ATTR_ID_DEBOUNCE", GpioUapiConstants.AttrIdDebounce);
    }

    [Fact]
    public void V4l2StructsAndIoctlsMatchVideodev2H()
    {
        Same("sizeof(v4l2_capability)", (ulong)sizeof(V4l2Capability));
        var cap = new V4l2Capability();
        Same("offsetof(v4l2_capability.version)", Off(ref cap, ref cap.Version));
        Same("offsetof(v4l2_capability.device_caps)", Off(ref cap, ref cap.DeviceCaps));
        Same("sizeof(v4l2_fmtdesc)", (ulong)sizeof(V4l2FmtDesc));
        var fd = new V4l2FmtDesc();
        Same("offsetof(v4l2_fmtdesc.description)", Off(ref fd, ref fd.Description[0]));
        Same("offsetof(v4l2_fmtdesc.pixelformat)", Off(ref fd, ref fd.PixelFormat));
        Same("sizeof(v4l2_format)", (ulong)sizeof(V4l2Format));
        var f = new V4l2Format();
        Same("offsetof(v4l2_format.fmt)", Off(ref f, ref f.Pix));
        Same("sizeof(v4l2_pix_format)", (ulong)sizeof(V4l2PixFormat));
        var pix = new V4l2PixFormat();
        Same("offsetof(v4l2_pix_format.bytesperline)", Off(ref pix, ref pix.BytesPerLine));
        Same("offsetof(v4l2_pix_format.xfer_func)", Off(ref pix, ref pix.XferFunc));
        Same("sizeof(v4l2_requestbuffers)", (ulong)sizeof(V4l2RequestBuffers));
        var rb = new V4l2RequestBuffers();
        Same("offsetof(v4l2_requestbuffers.capabilities)", Off(ref rb, ref rb.Capabilities));
        Same("offsetof(v4l2_requestbuffers.flags)", Off(ref rb, ref rb.Flags));
        Same("sizeof(v4l2_buffer)", (ulong)sizeof(V4l2Buffer));
        var b = new V4l2Buffer();
        Same("offsetof(v4l2_buffer.timestamp)", Off(ref b, ref b.TimestampSec));
        Same("offsetof(v4l2_buffer.timecode)", Off(ref b, ref b.Timecode));
        Same("offsetof(v4l2_buffer.sequence)", Off(ref b, ref b.Sequence));
        Same("offsetof(v4l2_buffer.m)", Off(ref b, ref b.Offset));
        Same("offsetof(v4l2_buffer.length)", Off(ref b, ref b.Length));
        Same("offsetof(v4l2_buffer.request_fd)", Off(ref b, ref b.RequestFd));
        Same("VIDIOC_QUERYCAP", V4l2Constants.QueryCap);
        Same("VIDIOC_ENUM_FMT", V4l2Constants.EnumFmt);
        Same("VIDIOC_G_FMT", V4l2Constants.GetFormat);
        Same("VIDIOC_S_FMT", V4l2Constants.SetFormat);
        Same("VIDIOC_TRY_FMT", V4l2Constants.TryFormat);
        Same("VIDIOC_REQBUFS", V4l2Constants.RequestBuffers);
        Same("VIDIOC_QUERYBUF", V4l2Constants.QueryBuffer);
        Same("VIDIOC_QBUF", V4l2Constants.QueueBuffer);
        Same("VIDIOC_DQBUF", V4l2Constants.DequeueBuffer);
        Same("VIDIOC_STREAMON", V4l2Constants.StreamOn);
        Same("VIDIOC_STREAMOFF", V4l2Constants.StreamOff);
        Same("V4L2_CAP_STREAMING", V4l2Constants.CapStreaming);
        Same("V4L2_CAP_DEVICE_CAPS", V4l2Constants.CapDeviceCaps);
        Same("sizeof(v4l2_frmsizeenum)", (ulong)sizeof(V4l2FrameSizeEnum));
        var fs = new V4l2FrameSizeEnum();
        Same("offsetof(v4l2_frmsizeenum.type)", Off(ref fs, ref fs.Type));
        Same("offsetof(v4l2_frmsizeenum.discrete)", Off(ref fs, ref fs.DiscreteWidth));
        Same("offsetof(v4l2_frmsizeenum.stepwise.step_height)", Off(ref fs, ref fs.StepHeight));
        Same("VIDIOC_ENUM_FRAMESIZES", V4l2Constants.EnumFrameSizes);
        Same("V4L2_FRMSIZE_TYPE_STEPWISE", V4l2Constants.FrameSizeStepwise);
        Same("V4L2_BUF_FLAG_ERROR", V4l2Constants.BufFlagError);
    }

    [Fact]
    public void I2cStructsAndIoctlsMatchI2cDevH()
    {
        Same("sizeof(i2c_smbus_ioctl_data)", (ulong)sizeof(I2cSmbusIoctlData));
        var d = new I2cSmbusIoctlData();
        Same("offsetof(i2c_smbus_ioctl_data.size)", Off(ref d, ref d.Size));
        Same("offsetof(i2c_smbus_ioctl_data.data)", (ulong)((byte*)&d.Data - (byte*)&d));
        Same("sizeof(i2c_smbus_data)", (ulong)sizeof(I2cSmbusData));
        Same("I2C_SLAVE", I2cConstants.Slave);
        Same("I2C_SLAVE_FORCE", I2cConstants.SlaveForce);
        Same("I2C_FUNCS", I2cConstants.Funcs);
        Same("I2C_RDWR", I2cConstants.ReadWrite);
        Same("I2C_SMBUS", I2cConstants.Smbus);
        Same("I2C_SMBUS_I2C_BLOCK_DATA", I2cConstants.SizeI2cBlockData);
        Same("I2C_SMBUS_BLOCK_DATA", I2cConstants.SizeBlockData);
    }
}
