using System.Buffers;

namespace EdgeCam.Messaging.Mqtt;

/// <summary>
/// The fixed header's "Remaining Length" (spec 2.2.3): 7 bits a byte, least significant group
/// first, the top bit saying another byte follows; at most four bytes, so at most 268,435,455.
/// </summary>
public static class RemainingLength
{
    public const int Max = 268_435_455;
    public const int MaxBytes = 4;

    public static int SizeOf(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Max);
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    /// <summary>Writes <paramref name="value"/> and returns the number of bytes written.</summary>
    public static int Encode(int value, Span<byte> destination)
    {
        int size = SizeOf(value);
        for (int i = 0; i < size; i++)
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            destination[i] = value > 0 ? (byte)(b | 0x80) : b;
        }
        return size;
    }

    /// <summary>Reads a remaining length from the start of <paramref name="source"/>:
    /// <see cref="OperationStatus.NeedMoreData"/> when it continues past the end,
    /// <see cref="OperationStatus.InvalidData"/> when it runs past four bytes.</summary>
    public static OperationStatus TryDecode(ReadOnlySpan<byte> source, out int value, out int consumed)
    {
        value = 0;
        consumed = 0;
        for (int i = 0; i < MaxBytes; i++)
        {
            if (i >= source.Length) return OperationStatus.NeedMoreData;
            byte b = source[i];
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                consumed = i + 1;
                return OperationStatus.Done;
            }
        }
        value = 0;
        return OperationStatus.InvalidData;
    }
}
