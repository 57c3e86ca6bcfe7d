using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace EdgeCam.Messaging.Mqtt;

/// <summary>
/// Reads MQTT 3.1.1 packets. Anything the spec calls malformed (reserved flags, a length that
/// runs past the packet, invalid UTF-8, QoS 3, a zero packet id) throws
/// <see cref="MqttProtocolException"/> with a message naming the packet and the rule broken.
/// </summary>
public static class MqttDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Splits the next whole packet off <paramref name="buffer"/>; false when more bytes are needed.</summary>
    public static bool TryReadFrame(ReadOnlySpan<byte> buffer, out MqttFrame frame, out int consumed, int maxPacketBytes = RemainingLength.Max)
    {
        frame = default;
        consumed = 0;
        if (buffer.Length < 2) return false;
        var (type, flags) = ReadFirstByte(buffer[0]);
        var status = RemainingLength.TryDecode(buffer[1..], out int length, out int lengthBytes);
        if (status == OperationStatus.NeedMoreData) return false;
        if (status == OperationStatus.InvalidData)
            throw new MqttProtocolException($"MQTT {type}: remaining length runs past {RemainingLength.MaxBytes} bytes (spec 2.2.3)");
        CheckSize(type, length, maxPacketBytes);
        if (buffer.Length < 1 + lengthBytes + length) return false;
        frame = new MqttFrame(type, flags, 1 + lengthBytes, length);
        consumed = 1 + lengthBytes + length;
        return true;
    }

    /// <summary>Type and flags of a fixed header's first byte, with the reserved flag values checked (spec 2.2.2).</summary>
    public static (MqttPacketType Type, byte Flags) ReadFirstByte(byte first)
    {
        int t = first >> 4;
        byte flags = (byte)(first & 0x0F);
        if (t is 0 or 15) throw new MqttProtocolException($"MQTT: packet type {t} is reserved (spec 2.2.1)");
        var type = (MqttPacketType)t;
        byte required = type is MqttPacketType.PubRel or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe ? (byte)0x02 : (byte)0;
        if (type == MqttPacketType.Publish)
        {
            if ((flags & 0x06) == 0x06) throw new MqttProtocolException("MQTT PUBLISH: QoS 3 is not allowed (spec 3.3.1.2)");
        }
        else if (flags != required)
            throw new MqttProtocolException($"MQTT {type}: fixed header flags 0x{flags:X} are reserved, expected 0x{required:X} (spec 2.2.2)");
        return (type, flags);
    }

    public static void CheckSize(MqttPacketType type, int length, int maxPacketBytes)
    {
        if (length > maxPacketBytes)
            throw new MqttProtocolException($"MQTT {type}: {length} bytes is larger than the {maxPacketBytes} bytes we accept");
    }

    public static ConnAckPacket ConnAck(ReadOnlySpan<byte> body)
    {
        ExpectLength(MqttPacketType.ConnAck, body, 2);
        if ((body[0] & 0xFE) != 0) throw new MqttProtocolException("MQTT CONNACK: acknowledge flags 7-1 are reserved and must be 0 (spec 3.2.2.1)");
        if (body[1] > 5) throw new MqttProtocolException($"MQTT CONNACK: return code {body[1]} is reserved (spec 3.2.2.3)");
        return new ConnAckPacket((body[0] & 1) != 0, (ConnectReturnCode)body[1]);
    }

    /// <summary>PUBLISH; the payload is copied so the packet outlives the read buffer.</summary>
    public static PublishPacket Publish(byte flags, ReadOnlySpan<byte> body)
    {
        var qos = (MqttQos)((flags >> 1) & 3);
        if ((byte)qos > 2) throw new MqttProtocolException("MQTT PUBLISH: QoS 3 is not allowed (spec 3.3.1.2)");
        if ((byte)qos == 2) throw new MqttProtocolException("MQTT PUBLISH: QoS 2 was not requested by this client");
        int at = 0;
        string topic = ReadString(MqttPacketType.Publish, body, ref at, "topic name");
        if (topic.AsSpan().IndexOfAny('+', '#') >= 0) throw new MqttProtocolException($"MQTT PUBLISH: topic \"{topic}\" holds a wildcard (spec 3.3.2.1)");
        ushort id = 0;
        if (qos != MqttQos.AtMostOnce)
        {
            id = ReadUInt16(MqttPacketType.Publish, body, ref at, "packet id");
            if (id == 0) throw new MqttProtocolException("MQTT PUBLISH: packet id 0 is not allowed (spec 2.3.1)");
        }
        return new PublishPacket(topic, body[at..].ToArray(), qos, (flags & 1) != 0, (flags & 0x08) != 0, id);
    }

    /// <summary>PUBACK (and the other packets whose body is only a packet id).</summary>
    public static ushort PacketId(MqttPacketType type, ReadOnlySpan<byte> body)
    {
        ExpectLength(type, body, 2);
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(body);
        if (id == 0) throw new MqttProtocolException($"MQTT {type}: packet id 0 is not allowed (spec 2.3.1)");
        return id;
    }

    public static SubAckPacket SubAck(ReadOnlySpan<byte> body)
    {
        if (body.Length < 3) throw new MqttProtocolException($"MQTT SUBACK: {body.Length} bytes, expected a packet id and at least one return code (spec 3.9)");
        int at = 0;
        ushort id = ReadUInt16(MqttPacketType.SubAck, body, ref at, "packet id");
        var codes = body[2..].ToArray();
        foreach (byte c in codes)
            if (c is > 2 and not SubAckPacket.Failure)
                throw new MqttProtocolException($"MQTT SUBACK: return code 0x{c:X2} is reserved (spec 3.9.3)");
        return new SubAckPacket(id, codes);
    }

    /// <summary>Broker side of CONNECT (spec 3.1), for tests and tools.</summary>
    public static ConnectPacket Connect(ReadOnlySpan<byte> body)
    {
        const MqttPacketType T = MqttPacketType.Connect;
        int at = 0;
        string protocol = ReadString(T, body, ref at, "protocol name");
        if (protocol != "MQTT") throw new MqttProtocolException($"MQTT CONNECT: protocol name \"{protocol}\", expected \"MQTT\" (spec 3.1.2.1)");
        byte level = ReadByte(T, body, ref at, "protocol level");
        if (level != 4) throw new MqttProtocolException($"MQTT CONNECT: protocol level {level}, expected 4 (3.1.1)");
        byte flags = ReadByte(T, body, ref at, "connect flags");
        if ((flags & 1) != 0) throw new MqttProtocolException("MQTT CONNECT: the reserved connect flag must be 0 (spec 3.1.2.3)");
        ushort keepAlive = ReadUInt16(T, body, ref at, "keep alive");
        string clientId = ReadString(T, body, ref at, "client id");
        WillMessage? will = null;
        if ((flags & 0x04) != 0)
        {
            var willQos = (MqttQos)((flags >> 3) & 3);
            if ((byte)willQos > 2) throw new MqttProtocolException("MQTT CONNECT: will QoS 3 is not allowed (spec 3.1.2.6)");
            string topic = ReadString(T, body, ref at, "will topic");
            byte[] payload = ReadBinary(T, body, ref at, "will message");
            will = new WillMessage(topic, payload, willQos, (flags & 0x20) != 0);
        }
        else if ((flags & 0x38) != 0)
            throw new MqttProtocolException("MQTT CONNECT: will QoS and retain must be 0 without a will (spec 3.1.2.6)");
        string? user = (flags & 0x80) != 0 ? ReadString(T, body, ref at, "user name") : null;
        byte[]? password = (flags & 0x40) != 0 ? ReadBinary(T, body, ref at, "password") : null;
        if (at != body.Length) throw new MqttProtocolException($"MQTT CONNECT: {body.Length - at} bytes left over after the payload");
        return new ConnectPacket(clientId, keepAlive, (flags & 0x02) != 0, user, password, will);
    }

    /// <summary>Broker side of SUBSCRIBE (spec 3.8), for tests and tools.</summary>
    public static (ushort PacketId, List<Subscription> Subscriptions) Subscribe(ReadOnlySpan<byte> body)
    {
        const MqttPacketType T = MqttPacketType.Subscribe;
        int at = 0;
        ushort id = ReadUInt16(T, body, ref at, "packet id");
        var list = new List<Subscription>();
        while (at < body.Length)
        {
            string filter = ReadString(T, body, ref at, "topic filter");
            byte qos = ReadByte(T, body, ref at, "requested QoS");
            if (qos > 2) throw new MqttProtocolException($"MQTT SUBSCRIBE: requested QoS {qos} is not allowed (spec 3.8.3.1)");
            list.Add(new Subscription(filter, (MqttQos)qos));
        }
        if (list.Count == 0) throw new MqttProtocolException("MQTT SUBSCRIBE: no topic filter (spec 3.8.3)");
        return (id, list);
    }

    private static void ExpectLength(MqttPacketType type, ReadOnlySpan<byte> body, int expected)
    {
        if (body.Length != expected)
            throw new MqttProtocolException($"MQTT {type}: remaining length {body.Length}, expected {expected}");
    }

    private static byte ReadByte(MqttPacketType type, ReadOnlySpan<byte> body, ref int at, string what)
    {
        if (at >= body.Length) throw Truncated(type, what);
        return body[at++];
    }

    private static ushort ReadUInt16(MqttPacketType type, ReadOnlySpan<byte> body, ref int at, string what)
    {
        if (at + 2 > body.Length) throw Truncated(type, what);
        ushort v = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
        at += 2;
        return v;
    }

    private static byte[] ReadBinary(MqttPacketType type, ReadOnlySpan<byte> body, ref int at, string what)
    {
        int n = ReadUInt16(type, body, ref at, what);
        if (at + n > body.Length) throw Truncated(type, what);
        var bytes = body.Slice(at, n).ToArray();
        at += n;
        return bytes;
    }

    private static string ReadString(MqttPacketType type, ReadOnlySpan<byte> body, ref int at, string what)
    {
        int n = ReadUInt16(type, body, ref at, what);
        if (at + n > body.Length) throw Truncated(type, what);
        string s;
        try
        {
            s = StrictUtf8.GetString(body.Slice(at, n));
        }
        catch (DecoderFallbackException)
        {
            throw new MqttProtocolException($"MQTT {type}: {what} is not valid UTF-8 (spec 1.5.3)");
        }
        if (s.Contains('\0')) throw new MqttProtocolException($"MQTT {type}: {what} holds U+0000 (spec 1.5.3)");
        at += n;
        return s;
    }

    private static MqttProtocolException Truncated(MqttPacketType type, string what) =>
        new($"MQTT {type}: {what} runs past the end of the packet");
}
