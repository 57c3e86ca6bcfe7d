using System.Buffers.Binary;
using System.Text;

namespace EdgeCam.Messaging.Mqtt;

/// <summary>
/// Builds MQTT 3.1.1 packets as the spec lays them out (chapter 3): fixed header (type and flags,
/// remaining length), variable header, payload. Each call returns one exactly sized array: packets
/// are built per event, not per frame, so simplicity wins over pooling.
/// </summary>
public static class MqttEncoder
{
    private static readonly byte[] ProtocolName = "MQTT"u8.ToArray();
    private const byte ProtocolLevel = 4; // 3.1.1

    public static byte[] Connect(ConnectPacket p)
    {
        byte flags = 0;
        if (p.CleanSession) flags |= 0x02;
        if (p.Will is { } will)
        {
            ValidateTopicName(will.Topic, "will topic");
            flags |= (byte)(0x04 | ((byte)will.Qos << 3) | (will.Retain ? 0x20 : 0));
        }
        if (p.Password is not null)
        {
            if (p.UserName is null) throw new ArgumentException("MQTT CONNECT: a password needs a user name (spec 3.1.2.9)");
            flags |= 0x40;
        }
        if (p.UserName is not null) flags |= 0x80;

        int body = StringSize(ProtocolName.Length) + 1 + 1 + 2 + StringSize(Utf8Length(p.ClientId, "client id"));
        if (p.Will is { } w) body += StringSize(Utf8Length(w.Topic, "will topic")) + BinarySize(w.Payload.Length);
        if (p.UserName is not null) body += StringSize(Utf8Length(p.UserName, "user name"));
        if (p.Password is not null) body += BinarySize(p.Password.Length);

        var writer = new PacketWriter(MqttPacketType.Connect, 0, body);
        writer.Binary(ProtocolName);
        writer.Byte(ProtocolLevel);
        writer.Byte(flags);
        writer.UInt16(p.KeepAliveSeconds);
        writer.String(p.ClientId);
        if (p.Will is { } wl)
        {
            writer.String(wl.Topic);
            writer.Binary(wl.Payload);
        }
        if (p.UserName is not null) writer.String(p.UserName);
        if (p.Password is not null) writer.Binary(p.Password);
        return writer.Finish();
    }

    public static byte[] Publish(in PublishPacket p)
    {
        ValidateTopicName(p.Topic, "topic");
        if (p.Qos == MqttQos.AtMostOnce && (p.PacketId != 0 || p.Duplicate))
            throw new ArgumentException("MQTT PUBLISH: a QoS 0 message has no packet id and is never a duplicate (spec 3.3.1.1, 2.3.1)");
        if (p.Qos != MqttQos.AtMostOnce && p.PacketId == 0)
            throw new ArgumentException("MQTT PUBLISH: a QoS 1 message needs a non-zero packet id (spec 2.3.1)");
        byte flags = (byte)(((byte)p.Qos << 1) | (p.Retain ? 1 : 0) | (p.Duplicate ? 0x08 : 0));
        int body = StringSize(Utf8Length(p.Topic, "topic")) + (p.Qos != MqttQos.AtMostOnce ? 2 : 0) + p.Payload.Length;
        var writer = new PacketWriter(MqttPacketType.Publish, flags, body);
        writer.String(p.Topic);
        if (p.Qos != MqttQos.AtMostOnce) writer.UInt16(p.PacketId);
        writer.Raw(p.Payload.Span);
        return writer.Finish();
    }

    public static byte[] PubAck(ushort packetId) => PacketIdOnly(MqttPacketType.PubAck, packetId);

    public static byte[] Subscribe(ushort packetId, IReadOnlyList<Subscription> subscriptions)
    {
        if (packetId == 0) throw new ArgumentException("MQTT SUBSCRIBE: packet id 0 is not allowed (spec 2.3.1)");
        if (subscriptions.Count == 0) throw new ArgumentException("MQTT SUBSCRIBE: at least one topic filter is needed (spec 3.8.3)");
        int body = 2;
        foreach (var s in subscriptions)
        {
            if (s.Filter.Length == 0) throw new ArgumentException("MQTT SUBSCRIBE: a topic filter must not be empty (spec 4.7.3)");
            body += StringSize(Utf8Length(s.Filter, "topic filter")) + 1;
        }
        var writer = new PacketWriter(MqttPacketType.Subscribe, 0x02, body); // flags 0010 (spec 3.8.1)
        writer.UInt16(packetId);
        foreach (var s in subscriptions)
        {
            writer.String(s.Filter);
            writer.Byte((byte)s.Qos);
        }
        return writer.Finish();
    }

    public static byte[] PingReq() => [(byte)MqttPacketType.PingReq << 4, 0];
    public static byte[] PingResp() => [(byte)MqttPacketType.PingResp << 4, 0];
    public static byte[] Disconnect() => [(byte)MqttPacketType.Disconnect << 4, 0];

    /// <summary>Broker side of CONNECT, for tests and tools: spec 3.2.</summary>
    public static byte[] ConnAck(ConnAckPacket p) =>
        [(byte)MqttPacketType.ConnAck << 4, 2, (byte)(p.SessionPresent ? 1 : 0), (byte)p.ReturnCode];

    /// <summary>Topic names (not filters) may not be empty nor hold wildcards (spec 4.7.1, 4.7.3).</summary>
    public static void ValidateTopicName(string topic, string what)
    {
        if (topic.Length == 0) throw new ArgumentException($"MQTT {what}: must not be empty");
        if (topic.AsSpan().IndexOfAny('+', '#') >= 0)
            throw new ArgumentException($"MQTT {what} \"{topic}\": '+' and '#' are wildcards and not allowed in a topic name");
        if (topic.Contains('\0')) throw new ArgumentException($"MQTT {what}: U+0000 is not allowed (spec 1.5.3)");
    }

    private static byte[] PacketIdOnly(MqttPacketType type, ushort packetId)
    {
        var bytes = new byte[4];
        bytes[0] = (byte)((byte)type << 4);
        bytes[1] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), packetId);
        return bytes;
    }

    private static int Utf8Length(string s, string what)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        if (n > ushort.MaxValue) throw new ArgumentException($"MQTT {what}: {n} bytes long, at most 65535 fit (spec 1.5.3)");
        return n;
    }

    private static int StringSize(int utf8Bytes) => 2 + utf8Bytes;
    private static int BinarySize(int bytes) =>
        bytes <= ushort.MaxValue ? 2 + bytes : throw new ArgumentException($"MQTT binary field: {bytes} bytes long, at most 65535 fit");

    /// <summary>Writes one packet into an array sized from the body length given up front.</summary>
    private ref struct PacketWriter
    {
        private readonly byte[] _bytes;
        private int _at;

        public PacketWriter(MqttPacketType type, byte flags, int bodyLength)
        {
            if (bodyLength > RemainingLength.Max)
                throw new ArgumentException($"MQTT {type}: {bodyLength} bytes do not fit in one packet (at most {RemainingLength.Max})");
            _bytes = new byte[1 + RemainingLength.SizeOf(bodyLength) + bodyLength];
            _bytes[0] = (byte)(((byte)type << 4) | flags);
            _at = 1 + RemainingLength.Encode(bodyLength, _bytes.AsSpan(1));
        }

        public void Byte(byte b) => _bytes[_at++] = b;

        public void UInt16(ushort v)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_bytes.AsSpan(_at), v);
            _at += 2;
        }

        public void String(string s)
        {
            int n = Encoding.UTF8.GetBytes(s, _bytes.AsSpan(_at + 2));
            BinaryPrimitives.WriteUInt16BigEndian(_bytes.AsSpan(_at), (ushort)n);
            _at += 2 + n;
        }

        public void Binary(ReadOnlySpan<byte> data)
        {
            UInt16((ushort)data.Length);
            Raw(data);
        }

        public void Raw(ReadOnlySpan<byte> data)
        {
            data.CopyTo(_bytes.AsSpan(_at));
            _at += data.Length;
        }

        public byte[] Finish() => _at == _bytes.Length
            ? _bytes
            : throw new InvalidOperationException($"MQTT encoder: wrote {_at} of {_bytes.Length} bytes");
    }
}
