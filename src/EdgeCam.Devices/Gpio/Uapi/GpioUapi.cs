using System.Runtime.InteropServices;

namespace EdgeCam.Devices.Gpio.Uapi;

// The GPIO character device uAPI v2 (linux/gpio.h, kernel >= 5.10), mirrored 1:1: same field
// order, sizes and padding, so a struct can be handed to ioctl() as it is. Every size, offset and
// ioctl number here is checked in CI against the machine's kernel header (tests/native/uapi_layout.c).

/// <summary>struct gpiochip_info (68 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioChipInfo
{
    public fixed byte Name[32];
    public fixed byte Label[32];
    public uint Lines;
}

/// <summary>struct gpio_v2_line_attribute (16 bytes): id, padding, then a union of flags / values / debounce_period_us.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct GpioV2LineAttribute
{
    [FieldOffset(0)] public uint Id;
    [FieldOffset(4)] public uint Padding;
    [FieldOffset(8)] public ulong Flags;
    [FieldOffset(8)] public ulong Values;
    [FieldOffset(8)] public uint DebouncePeriodUs;
}

/// <summary>struct gpio_v2_line_config_attribute (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GpioV2LineConfigAttribute
{
    public GpioV2LineAttribute Attr;
    public ulong Mask;
}

/// <summary>struct gpio_v2_line_config (272 bytes): up to 10 attributes.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineConfig
{
    public const int MaxAttributes = 10;
    public ulong Flags;
    public uint NumAttrs;
    public fixed uint Padding[5];
    public GpioV2LineConfigAttributes Attrs;
}

[System.Runtime.CompilerServices.InlineArray(GpioV2LineConfig.MaxAttributes)]
public struct GpioV2LineConfigAttributes
{
    private GpioV2LineConfigAttribute _element0;
}

/// <summary>struct gpio_v2_line_request (592 bytes): up to 64 lines; the kernel fills Fd.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineRequest
{
    public const int MaxLines = 64;
    public fixed uint Offsets[MaxLines];
    public fixed byte Consumer[32];
    public GpioV2LineConfig Config;
    public uint NumLines;
    public uint EventBufferSize;
    public fixed uint Padding[5];
    public int Fd;
}

/// <summary>struct gpio_v2_line_values (16 bytes): bit i is the line at request.offsets[i].</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GpioV2LineValues
{
    public ulong Bits;
    public ulong Mask;
}

/// <summary>struct gpio_v2_line_info (256 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineInfo
{
    public fixed byte Name[32];
    public fixed byte Consumer[32];
    public uint Offset;
    public uint NumAttrs;
    public ulong Flags;
    public GpioV2LineInfoAttributes Attrs;
    public fixed uint Padding[4];
}

[System.Runtime.CompilerServices.InlineArray(10)]
public struct GpioV2LineInfoAttributes
{
    private GpioV2LineAttribute _element0;
}

/// <summary>struct gpio_v2_line_event (48 bytes), read() from a line request fd.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineEvent
{
    public ulong TimestampNs;
    public uint Id;
    public uint Offset;
    public uint Seqno;
    public uint LineSeqno;
    public fixed uint Padding[6];
}

/// <summary>Flags, attribute ids, event ids and ioctl numbers of linux/gpio.h.</summary>
public static class GpioUapiConstants
{
    public const ulong FlagUsed = 1UL << 0;
    public const ulong FlagActiveLow = 1UL << 1;
    public const ulong FlagInput = 1UL << 2;
    public const ulong FlagOutput = 1UL << 3;
    public const ulong FlagEdgeRising = 1UL << 4;
    public const ulong FlagEdgeFalling = 1UL << 5;
    public const ulong FlagOpenDrain = 1UL << 6;
    public const ulong FlagOpenSource = 1UL << 7;
    public const ulong FlagBiasPullUp = 1UL << 8;
    public const ulong FlagBiasPullDown = 1UL << 9;
    public const ulong FlagBiasDisabled = 1UL << 10;
    public const ulong FlagEventClockRealtime = 1UL << 11;

    public const uint AttrIdFlags = 1;
    public const uint AttrIdOutputValues = 2;
    public const uint AttrIdDebounce = 3;

    public const uint EventRisingEdge = 1;
    public const uint EventFallingEdge = 2;

    // _IOR/_IOWR(0xB4, nr, struct): direction << 30 | size << 16 | 0xB4 << 8 | nr.
    public const uint GetChipInfo = 0x8044B401;
    public const uint GetLineInfoV2 = 0xC100B405;
    public const uint GetLineV2 = 0xC250B407;
    public const uint LineSetConfigV2 = 0xC110B40D;
    public const uint LineGetValuesV2 = 0xC010B40E;
    public const uint LineSetValuesV2 = 0xC010B40F;
}
