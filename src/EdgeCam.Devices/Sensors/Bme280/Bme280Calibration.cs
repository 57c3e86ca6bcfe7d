using System.Buffers.Binary;

namespace EdgeCam.Devices.Sensors.Bme280;

/// <summary>The trimming parameters of one BME280 (datasheet table 16), read once from 0x88..0xA1 and 0xE1..0xE7.</summary>
public readonly record struct Bme280Calibration(
    ushort T1, short T2, short T3,
    ushort P1, short P2, short P3, short P4, short P5, short P6, short P7, short P8, short P9,
    byte H1, short H2, byte H3, short H4, short H5, sbyte H6)
{
    /// <summary>Decodes the 26 bytes at 0x88..0xA1 and the 7 bytes at 0xE1..0xE7.</summary>
    public static Bme280Calibration Parse(ReadOnlySpan<byte> r88, ReadOnlySpan<byte> rE1)
    {
        if (r88.Length < 26 || rE1.Length < 7) throw new ArgumentException("BME280 calibration needs 26 + 7 bytes");
        return new Bme280Calibration(
            U(r88, 0), S(r88, 2), S(r88, 4),
            U(r88, 6), S(r88, 8), S(r88, 10), S(r88, 12), S(r88, 14), S(r88, 16), S(r88, 18), S(r88, 20), S(r88, 22),
            r88[25],
            BinaryPrimitives.ReadInt16LittleEndian(rE1),
            rE1[2],
            // H4 = 0xE4[7:0] << 4 | 0xE5[3:0]; H5 = 0xE6[7:0] << 4 | 0xE5[7:4]; both signed 12-bit in 16.
            (short)((sbyte)rE1[3] << 4 | (rE1[4] & 0x0F)),
            (short)((sbyte)rE1[5] << 4 | rE1[4] >> 4),
            (sbyte)rE1[6]);
    }

    private static ushort U(ReadOnlySpan<byte> r, int at) => BinaryPrimitives.ReadUInt16LittleEndian(r[at..]);
    private static short S(ReadOnlySpan<byte> r, int at) => BinaryPrimitives.ReadInt16LittleEndian(r[at..]);
}
