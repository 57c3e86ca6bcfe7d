using EdgeCam.Devices.Gpio;
using EdgeCam.Devices.Video;

namespace EdgeCam.Tests.Devices;

/// <summary>The kernel bindings against real files that are not their device: the ioctls are
/// refused by the kernel and the errors name the path and what it is not. (The bindings working
/// against real drivers is scripts/hil.sh's job: vivid, gpio-sim and i2c-stub under QEMU.)</summary>
public class KernelDeviceErrorTests
{
    [Fact]
    public void ANonVideoDeviceIsRefusedAtQueryCap()
    {
        var e = Assert.Throws<V4l2Exception>(() => V4l2Device.Open("/dev/null"));
        Assert.Contains("/dev/null", e.Message);
        Assert.Contains("VIDIOC_QUERYCAP", e.Message);
        Assert.False(e.DeviceGone);
    }

    [Fact]
    public void AMissingVideoDeviceCountsAsGone()
    {
        var e = Assert.Throws<V4l2Exception>(() => V4l2Device.Open("/dev/video-does-not-exist"));
        Assert.True(e.DeviceGone); // so a camera that vanished between reopen attempts is retried, not fatal
    }

    [Fact]
    public void AnUnknownCardNameListsWhatExists()
    {
        var e = Assert.Throws<V4l2Exception>(() => V4l2Catalog.OpenBySpec("No Such Webcam"));
        Assert.Contains("\"No Such Webcam\"", e.Message);
    }

    [Fact]
    public void AConfiguredCameraThatIsNotThereFailsAtStart()
    {
        var log = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var e = Assert.Throws<V4l2Exception>(() => new V4l2CameraSource(new V4l2CameraOptions("/dev/video-does-not-exist"), log));
        Assert.Contains("/dev/video-does-not-exist", e.Message);
    }

    [Fact]
    public void AnUnreadableFormatIsRefusedByName()
    {
        var log = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var e = Assert.Throws<V4l2Exception>(() => new V4l2CameraSource(new V4l2CameraOptions("/dev/video0", Format: "H264"), log));
        Assert.Contains("\"H264\"", e.Message);
        Assert.Contains("YUYV", e.Message);
    }

    [Fact]
    public void ANonGpioDeviceIsRefusedAtChipInfo()
    {
        var e = Assert.Throws<GpioException>(() => KernelGpioChip.Open("/dev/null"));
        Assert.Contains("/dev/null", e.Message);
        Assert.Contains("GPIO_GET_CHIPINFO", e.Message);
    }

    [Fact]
    public void ANamedChipThatDoesNotExistIsAnError()
    {
        var e = Assert.Throws<GpioException>(() => GpioChipLocator.Open("pinctrl-bcm2711", null));
        Assert.Contains("\"pinctrl-bcm2711\"", e.Message);
    }

    [Theory]
    [InlineData(640, 480, 640, 480)]
    [InlineData(600, 400, 640, 360)]
    [InlineData(1920, 1080, 1920, 1080)]
    [InlineData(4000, 3000, 3840, 2160)]
    public void TheNearestDiscreteSizeIsChosen(int wantW, int wantH, int gotW, int gotH)
    {
        // vivid's webcam sizes
        var sizes = new[] { (320, 180), (640, 360), (640, 480), (1280, 720), (1920, 1080), (3840, 2160) }
            .Select(s => new V4l2Device.FrameSizeRange(true, (uint)s.Item1, (uint)s.Item2, (uint)s.Item1, (uint)s.Item2, 1, 1)).ToList();
        Assert.Equal((gotW, gotH), V4l2Device.NearestSize(sizes, wantW, wantH));
    }

    [Fact]
    public void StepwiseSizesSnapToTheStep()
    {
        var sizes = new List<V4l2Device.FrameSizeRange> { new(false, 16, 16, 1920, 1080, 8, 4) };
        Assert.Equal((640, 480), V4l2Device.NearestSize(sizes, 643, 482));
        Assert.Equal((1920, 1080), V4l2Device.NearestSize(sizes, 4000, 3000));
    }
}
