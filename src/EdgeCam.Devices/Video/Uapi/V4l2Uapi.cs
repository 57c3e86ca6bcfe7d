using System.Runtime.InteropServices;

namespace EdgeCam.Devices.Video.Uapi;

// Video4Linux2 capture structures (linux/videodev2.h, 64-bit layouts), mirrored 1:1 and checked in
// CI against the kernel header (tests/native/uapi_layout.c).

/// <summary>struct v4l2_capability (104 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct V4l2Capability
{
    public fixed byte Driver[16];
    public fixed byte Card[32];
    public fixed byte BusInfo[32];
    public uint Version;
    public uint Capabilities;
    public uint DeviceCaps;
    public fixed uint Reserved[3];
}

/// <summary>struct v4l2_fmtdesc (64 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct V4l2FmtDesc
{
    public uint Index;
    public uint Type;
    public uint Flags;
    public fixed byte Description[32];
    public uint PixelFormat;
    public uint MbusCode;
    public fixed uint Reserved[3];
}

/// <summary>struct v4l2_pix_format (48 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct V4l2PixFormat
{
    public uint Width;
    public uint Height;
    public uint PixelFormat;
    public uint Field;
    public uint BytesPerLine;
    public uint SizeImage;
    public uint Colorspace;
    public uint Priv;
    public uint Flags;
    public uint YcbcrEnc;
    public uint Quantization;
    public uint XferFunc;
}

/// <summary>struct v4l2_format (208 bytes): type, then a 200-byte union aligned to 8 (it holds pointers).</summary>
[StructLayout(LayoutKind.Explicit, Size = 208)]
public struct V4l2Format
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(8)] public V4l2PixFormat Pix;
}

/// <summary>struct v4l2_requestbuffers (20 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct V4l2RequestBuffers
{
    public uint Count;
    public uint Type;
    public uint Memory;
    public uint Capabilities;
    public byte Flags;
    public fixed byte Reserved[3];
}

/// <summary>struct v4l2_buffer (88 bytes) with struct timeval (16) and struct v4l2_timecode (16) inline.</summary>
[StructLayout(LayoutKind.Explicit, Size = 88)]
public struct V4l2Buffer
{
    [FieldOffset(0)] public uint Index;
    [FieldOffset(4)] public uint Type;
    [FieldOffset(8)] public uint BytesUsed;
    [FieldOffset(12)] public uint Flags;
    [FieldOffset(16)] public uint Field;
    [FieldOffset(24)] public long TimestampSec;
    [FieldOffset(32)] public long TimestampUsec;
    [FieldOffset(40)] public V4l2Timecode Timecode;
    [FieldOffset(56)] public uint Sequence;
    [FieldOffset(60)] public uint Memory;
    [FieldOffset(64)] public uint Offset;      // union m: .offset for MEMORY_MMAP
    [FieldOffset(64)] public ulong UserPtr;    // union m: .userptr
    [FieldOffset(72)] public uint Length;
    [FieldOffset(76)] public uint Reserved2;
    [FieldOffset(80)] public int RequestFd;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct V4l2Timecode
{
    public uint Type;
    public uint Flags;
    public byte Frames, Seconds, Minutes, Hours;
    public fixed byte UserBits[4];
}

/// <summary>struct v4l2_frmsizeenum (44 bytes): index, pixel_format, type, then a union of a discrete
/// size (width, height) and a stepwise range (min/max/step of width and height).</summary>
[StructLayout(LayoutKind.Explicit, Size = 44)]
public struct V4l2FrameSizeEnum
{
    [FieldOffset(0)] public uint Index;
    [FieldOffset(4)] public uint PixelFormat;
    [FieldOffset(8)] public uint Type;
    [FieldOffset(12)] public uint DiscreteWidth;
    [FieldOffset(16)] public uint DiscreteHeight;
    [FieldOffset(12)] public uint MinWidth;
    [FieldOffset(16)] public uint MaxWidth;
    [FieldOffset(20)] public uint StepWidth;
    [FieldOffset(24)] public uint MinHeight;
    [FieldOffset(28)] public uint MaxHeight;
    [FieldOffset(32)] public uint StepHeight;
}

public static class V4l2Constants
{
    public const uint EnumFrameSizes = 0xC02C564A;
    public const uint FrameSizeDiscrete = 1;
    public const uint FrameSizeContinuous = 2;
    public const uint FrameSizeStepwise = 3;
    public const uint BufFlagError = 0x40;
    public const uint QueryCap = 0x80685600;
    public const uint EnumFmt = 0xC0405602;
    public const uint GetFormat = 0xC0D05604;
    public const uint SetFormat = 0xC0D05605;
    public const uint TryFormat = 0xC0D05640;
    public const uint RequestBuffers = 0xC0145608;
    public const uint QueryBuffer = 0xC0585609;
    public const uint QueueBuffer = 0xC058560F;
    public const uint DequeueBuffer = 0xC0585611;
    public const uint StreamOn = 0x40045612;
    public const uint StreamOff = 0x40045613;

    public const uint BufTypeVideoCapture = 1;
    public const uint MemoryMmap = 1;
    public const uint CapVideoCapture = 0x1;
    public const uint CapStreaming = 0x04000000;
    public const uint CapDeviceCaps = 0x80000000;
    public const uint FieldNone = 1;
}
