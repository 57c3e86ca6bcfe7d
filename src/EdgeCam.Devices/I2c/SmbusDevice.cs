using EdgeCam.Devices.I2c.Uapi;
using EdgeCam.Devices.Native;
using static EdgeCam.Devices.I2c.Uapi.I2cConstants;

namespace EdgeCam.Devices.I2c;

public sealed class I2cException(string message, int errno = 0) : Exception(message)
{
    public int Errno { get; } = errno;
}

/// <summary>
/// One device on an I2C bus through /dev/i2c-N and the I2C_SMBUS ioctl: byte, word and I2C-block
/// transfers. The address is bound once with I2C_SLAVE.
/// </summary>
public sealed unsafe class SmbusDevice : IDisposable
{
    private int _fd;
    public string Bus { get; }
    public int Address { get; }

    public SmbusDevice(string bus, int address)
    {
        Bus = bus; Address = address;
        if (address is < 0x03 or > 0x77) throw new I2cException($"{bus}: I2C address 0x{address:X2} is out of the 7-bit range 0x03..0x77");
        _fd = LibC.Open(bus, LibC.O_RDWR | LibC.O_CLOEXEC);
        if (_fd < 0) { int e = LibC.Errno; throw new I2cException($"{bus}: cannot open: {LibC.Describe(e)}", e); }
        if (LibC.Ioctl(_fd, Slave, (nint)address) < 0)
        {
            int e = LibC.Errno;
            LibC.Close(_fd);
            throw new I2cException($"{bus}: cannot address 0x{address:X2}: {LibC.Describe(e)}" + (e == 16 ? " (a kernel driver owns it)" : ""), e);
        }
    }

    public byte ReadByte(byte register)
    {
        I2cSmbusData data;
        Transfer(SmbusRead, register, SizeByteData, &data, "read");
        return data.Byte;
    }

    public void WriteByte(byte register, byte value)
    {
        I2cSmbusData data;
        data.Byte = value;
        Transfer(SmbusWrite, register, SizeByteData, &data, "write");
    }

    /// <summary>Reads consecutive registers from <paramref name="register"/> (I2C block reads of up to 32 bytes).</summary>
    public void ReadBlock(byte register, Span<byte> into)
    {
        int done = 0;
        while (done < into.Length)
        {
            int n = Math.Min(I2cSmbusData.BlockMax, into.Length - done);
            I2cSmbusData data;
            data.Block[0] = (byte)n;
            Transfer(SmbusRead, (byte)(register + done), SizeI2cBlockData, &data, "block read");
            int got = Math.Min(data.Block[0], n);
            if (got == 0) throw new I2cException($"{Bus} 0x{Address:X2}: block read at 0x{register + done:X2} returned no data");
            for (int i = 0; i < got; i++) into[done + i] = data.Block[1 + i];
            done += got;
        }
    }

    private void Transfer(byte direction, byte command, uint size, I2cSmbusData* data, string what)
    {
        var args = new I2cSmbusIoctlData { ReadWrite = direction, Command = command, Size = size, Data = data };
        if (LibC.IoctlRetry(_fd, Smbus, &args) < 0)
        {
            int e = LibC.Errno;
            throw new I2cException($"{Bus} 0x{Address:X2}: SMBus {what} at register 0x{command:X2} failed: {LibC.Describe(e)}" +
                (e is 6 or 121 ? " (no device answers at this address)" : ""), e);
        }
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) LibC.Close(fd);
    }
}
