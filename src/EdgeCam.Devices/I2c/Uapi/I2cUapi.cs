using System.Runtime.InteropServices;

namespace EdgeCam.Devices.I2c.Uapi;

// I2C/SMBus user-space interface (linux/i2c.h, linux/i2c-dev.h), mirrored 1:1 and checked in CI
// against the kernel headers (tests/native/uapi_layout.c).

/// <summary>struct i2c_smbus_ioctl_data (16 bytes): the argument of the I2C_SMBUS ioctl.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct I2cSmbusIoctlData
{
    public byte ReadWrite;
    public byte Command;
    public uint Size;
    public I2cSmbusData* Data;
}

/// <summary>union i2c_smbus_data (34 bytes): a byte, a word, or a block (length byte + 32 data bytes + PEC).</summary>
[StructLayout(LayoutKind.Explicit, Size = 34)]
public unsafe struct I2cSmbusData
{
    public const int BlockMax = 32;
    [FieldOffset(0)] public byte Byte;
    [FieldOffset(0)] public ushort Word;
    [FieldOffset(0)] public fixed byte Block[BlockMax + 2];
}

public static class I2cConstants
{
    public const uint Slave = 0x0703;
    public const uint SlaveForce = 0x0706;
    public const uint Funcs = 0x0705;
    public const uint ReadWrite = 0x0707;
    public const uint Smbus = 0x0720;

    public const byte SmbusRead = 1;
    public const byte SmbusWrite = 0;
    public const uint SizeQuick = 0;
    public const uint SizeByte = 1;
    public const uint SizeByteData = 2;
    public const uint SizeWordData = 3;
    public const uint SizeBlockData = 5;
    public const uint SizeI2cBlockData = 8;
}
