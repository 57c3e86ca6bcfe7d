namespace EdgeCam.Messaging.Mqtt;

/// <summary>The message the broker publishes for us when we vanish without DISCONNECT (spec 3.1.2.5).</summary>
public sealed record WillMessage(string Topic, byte[] Payload, MqttQos Qos, bool Retain);

/// <summary>CONNECT (spec 3.1). Password is binary data in MQTT 3.1.1; a user name is needed to send one.</summary>
public sealed record ConnectPacket(
    string ClientId,
    ushort KeepAliveSeconds,
    bool CleanSession,
    string? UserName = null,
    byte[]? Password = null,
    WillMessage? Will = null);

/// <summary>CONNACK (spec 3.2).</summary>
public readonly record struct ConnAckPacket(bool SessionPresent, ConnectReturnCode ReturnCode);

/// <summary>PUBLISH (spec 3.3). <see cref="PacketId"/> is 0 for QoS 0 and non-zero otherwise.</summary>
public readonly record struct PublishPacket(
    string Topic,
    ReadOnlyMemory<byte> Payload,
    MqttQos Qos,
    bool Retain = false,
    bool Duplicate = false,
    ushort PacketId = 0);

/// <summary>One topic filter of a SUBSCRIBE (spec 3.8.3).</summary>
public readonly record struct Subscription(string Filter, MqttQos Qos);

/// <summary>SUBACK (spec 3.9): one return code per filter, 0x80 for a refused one.</summary>
public sealed record SubAckPacket(ushort PacketId, byte[] ReturnCodes)
{
    public const byte Failure = 0x80;
}

/// <summary>One packet as framed on the wire: type, the fixed header's low nibble, and where its body lies.</summary>
public readonly record struct MqttFrame(MqttPacketType Type, byte Flags, int BodyOffset, int BodyLength);
