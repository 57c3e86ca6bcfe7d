using System.Buffers;
using EdgeCam.Messaging.Mqtt;

namespace EdgeCam.Tests.Messaging;

/// <summary>The packet codec against the byte layouts the OASIS MQTT 3.1.1 spec prints, round
/// trips, and malformed input.</summary>
public class MqttCodecTests
{
    // Spec 2.2.3, table 2.4: the boundaries of each remaining-length size.
    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(127, new byte[] { 0x7F })]
    [InlineData(128, new byte[] { 0x80, 0x01 })]
    [InlineData(16_383, new byte[] { 0xFF, 0x7F })]
    [InlineData(16_384, new byte[] { 0x80, 0x80, 0x01 })]
    [InlineData(2_097_151, new byte[] { 0xFF, 0xFF, 0x7F })]
    [InlineData(2_097_152, new byte[] { 0x80, 0x80, 0x80, 0x01 })]
    [InlineData(268_435_455, new byte[] { 0xFF, 0xFF, 0xFF, 0x7F })]
    public void RemainingLengthMatchesTheSpecTable(int value, byte[] expected)
    {
        var buffer = new byte[4];
        int n = RemainingLength.Encode(value, buffer);
        Assert.Equal(expected, buffer[..n]);
        Assert.Equal(OperationStatus.Done, RemainingLength.TryDecode(expected, out int decoded, out int consumed));
        Assert.Equal(value, decoded);
        Assert.Equal(expected.Length, consumed);
    }

    [Fact]
    public void RemainingLengthRejectsAFifthByteAndWaitsForMissingOnes()
    {
        Assert.Equal(OperationStatus.InvalidData, RemainingLength.TryDecode([0xFF, 0xFF, 0xFF, 0xFF, 0x01], out _, out _));
        Assert.Equal(OperationStatus.NeedMoreData, RemainingLength.TryDecode([0x80, 0x80], out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => RemainingLength.Encode(RemainingLength.Max + 1, new byte[4]));
    }

    [Fact]
    public void ConnectVariableHeaderIsTheSpecExample()
    {
        // Spec 3.1.2.10, figure 3.6: "MQTT", level 4, flags 0xCE (user name, password, will QoS 1,
        // will flag, clean session), keep alive 10.
        var packet = MqttEncoder.Connect(new ConnectPacket("c", 10, CleanSession: true, "u", "p"u8.ToArray(),
            new WillMessage("w", "x"u8.ToArray(), MqttQos.AtLeastOnce, Retain: false)));
        Assert.Equal(0x10, packet[0]);
        Assert.Equal(packet.Length - 2, packet[1]);
        Assert.Equal(new byte[] { 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0xCE, 0x00, 0x0A }, packet[2..12]);
        // Payload order (3.1.3): client id, will topic, will message, user name, password.
        Assert.Equal(new byte[] { 0, 1, (byte)'c', 0, 1, (byte)'w', 0, 1, (byte)'x', 0, 1, (byte)'u', 0, 1, (byte)'p' }, packet[12..]);
    }

    [Fact]
    public void ConnectRoundTrips()
    {
        var original = new ConnectPacket("edgecam-kitchen", 30, CleanSession: false, "cam", [1, 2, 0, 255],
            new WillMessage("edgecam/kitchen/availability", "offline"u8.ToArray(), MqttQos.AtLeastOnce, Retain: true));
        var decoded = Decode(MqttEncoder.Connect(original), MqttPacketType.Connect, (_, body) => MqttDecoder.Connect(body));
        Assert.Equal(original.ClientId, decoded.ClientId);
        Assert.Equal(original.KeepAliveSeconds, decoded.KeepAliveSeconds);
        Assert.False(decoded.CleanSession);
        Assert.Equal("cam", decoded.UserName);
        Assert.Equal(original.Password, decoded.Password);
        Assert.Equal(original.Will!.Topic, decoded.Will!.Topic);
        Assert.Equal(original.Will.Payload, decoded.Will.Payload);
        Assert.True(decoded.Will.Retain);
        Assert.Equal(MqttQos.AtLeastOnce, decoded.Will.Qos);

        var bare = Decode(MqttEncoder.Connect(new ConnectPacket("x", 0, CleanSession: true)), MqttPacketType.Connect, (_, b) => MqttDecoder.Connect(b));
        Assert.Null(bare.UserName);
        Assert.Null(bare.Password);
        Assert.Null(bare.Will);
    }

    [Fact]
    public void PublishVariableHeaderIsTheSpecExample()
    {
        // Spec 3.3.2.3, figure 3.11: topic "a/b", packet id 10.
        var packet = MqttEncoder.Publish(new PublishPacket("a/b", "hi"u8.ToArray(), MqttQos.AtLeastOnce, PacketId: 10));
        Assert.Equal(new byte[] { 0x32, 9, 0x00, 0x03, (byte)'a', (byte)'/', (byte)'b', 0x00, 0x0A, (byte)'h', (byte)'i' }, packet);
    }

    [Theory]
    [InlineData(MqttQos.AtMostOnce, false, false, 0)]
    [InlineData(MqttQos.AtLeastOnce, true, true, 65534)]
    [InlineData(MqttQos.AtLeastOnce, false, false, 1)]
    public void PublishRoundTrips(MqttQos qos, bool retain, bool dup, int id)
    {
        var payload = new byte[300]; // two-byte remaining length
        new Random(7).NextBytes(payload);
        var original = new PublishPacket("edgecam/cam1/events/ü", payload, qos, retain, dup, (ushort)id);
        var bytes = MqttEncoder.Publish(original);
        var decoded = Decode(bytes, MqttPacketType.Publish, MqttDecoder.Publish);
        Assert.Equal(original.Topic, decoded.Topic);
        Assert.Equal(payload, decoded.Payload.ToArray());
        Assert.Equal((qos, retain, dup, (ushort)id), (decoded.Qos, decoded.Retain, decoded.Duplicate, decoded.PacketId));
    }

    [Fact]
    public void SubscribeRoundTripsWithTheReservedFlags()
    {
        var subs = new[] { new Subscription("edgecam/+/set", MqttQos.AtMostOnce), new Subscription("a/#", MqttQos.AtLeastOnce) };
        var bytes = MqttEncoder.Subscribe(65535, subs);
        Assert.Equal(0x82, bytes[0]); // spec 3.8.1: flags 0010
        var (id, decoded) = Decode(bytes, MqttPacketType.Subscribe, (_, b) => MqttDecoder.Subscribe(b));
        Assert.Equal(65535, id);
        Assert.Equal(subs, decoded);
    }

    [Fact]
    public void SmallPacketsAreTheSpecBytes()
    {
        Assert.Equal(new byte[] { 0xC0, 0 }, MqttEncoder.PingReq());  // 3.12
        Assert.Equal(new byte[] { 0xE0, 0 }, MqttEncoder.Disconnect()); // 3.14
        Assert.Equal(new byte[] { 0x40, 2, 0x12, 0x34 }, MqttEncoder.PubAck(0x1234)); // 3.4
        Assert.Equal(0x1234, Decode(new byte[] { 0x40, 2, 0x12, 0x34 }, MqttPacketType.PubAck, (_, b) => MqttDecoder.PacketId(MqttPacketType.PubAck, b)));
        var ack = Decode(new byte[] { 0x20, 2, 0x01, 0x04 }, MqttPacketType.ConnAck, (_, b) => MqttDecoder.ConnAck(b));
        Assert.Equal(new ConnAckPacket(true, ConnectReturnCode.BadUserNameOrPassword), ack);
        Assert.Equal(new byte[] { 0x20, 2, 0, 5 }, MqttEncoder.ConnAck(new ConnAckPacket(false, ConnectReturnCode.NotAuthorized)));
        var sub = Decode(new byte[] { 0x90, 4, 0, 7, 0x01, 0x80 }, MqttPacketType.SubAck, (_, b) => MqttDecoder.SubAck(b));
        Assert.Equal(7, sub.PacketId);
        Assert.Equal(new byte[] { 1, SubAckPacket.Failure }, sub.ReturnCodes);
    }

    [Fact]
    public void RefusalsReadAsPlainWords()
    {
        Assert.Equal("broker refused the connection: bad user name or password (CONNACK return code 4)",
            new MqttConnectionRefusedException(ConnectReturnCode.BadUserNameOrPassword).Message);
        Assert.Contains("not authorized", new MqttConnectionRefusedException(ConnectReturnCode.NotAuthorized).Message);
    }

    [Fact]
    public void FramesSplitAStreamAndWaitForTheRest()
    {
        var a = MqttEncoder.Publish(new PublishPacket("t", new byte[200], MqttQos.AtMostOnce));
        var b = MqttEncoder.PingResp();
        byte[] stream = [.. a, .. b];
        for (int cut = 0; cut < a.Length; cut++)
            Assert.False(MqttDecoder.TryReadFrame(stream.AsSpan(0, cut), out _, out _));
        Assert.True(MqttDecoder.TryReadFrame(stream, out var first, out int used));
        Assert.Equal((MqttPacketType.Publish, 3, 200 + 3), (first.Type, first.BodyOffset, first.BodyLength));
        Assert.True(MqttDecoder.TryReadFrame(stream.AsSpan(used), out var second, out int used2));
        Assert.Equal(MqttPacketType.PingResp, second.Type);
        Assert.Equal(b.Length, used2);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x00 }, "packet type 0 is reserved")]
    [InlineData(new byte[] { 0xF0, 0x00 }, "packet type 15 is reserved")]
    [InlineData(new byte[] { 0x36, 0x00 }, "QoS 3 is not allowed")]
    [InlineData(new byte[] { 0x80, 0x00 }, "flags 0x0 are reserved, expected 0x2")]
    [InlineData(new byte[] { 0x41, 0x02, 0, 1 }, "flags 0x1 are reserved, expected 0x0")]
    [InlineData(new byte[] { 0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "remaining length runs past 4 bytes")]
    public void MalformedFixedHeadersAreNamed(byte[] bytes, string message)
    {
        var e = Assert.Throws<MqttProtocolException>(() => MqttDecoder.TryReadFrame(bytes, out _, out _));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void OversizedPacketsAreRefusedBeforeTheyArrive()
    {
        var e = Assert.Throws<MqttProtocolException>(() => MqttDecoder.TryReadFrame([0x30, 0x80, 0x80, 0x04], out _, out _, maxPacketBytes: 1024));
        Assert.Contains("65536 bytes is larger than the 1024 bytes we accept", e.Message);
    }

    [Theory]
    [InlineData(0x30, new byte[] { 0x00, 0x05, (byte)'a' }, "topic name runs past the end")]
    [InlineData(0x30, new byte[] { 0x00, 0x02, 0xC3, 0x28 }, "topic name is not valid UTF-8")]
    [InlineData(0x30, new byte[] { 0x00, 0x01, 0x00 }, "topic name holds U+0000")]
    [InlineData(0x30, new byte[] { 0x00, 0x01, (byte)'#' }, "holds a wildcard")]
    [InlineData(0x32, new byte[] { 0x00, 0x01, (byte)'a', 0x00, 0x00 }, "packet id 0 is not allowed")]
    [InlineData(0x32, new byte[] { 0x00, 0x01, (byte)'a', 0x00 }, "packet id runs past the end")]
    public void MalformedPublishBodiesAreNamed(byte first, byte[] body, string message)
    {
        var e = Assert.Throws<MqttProtocolException>(() => MqttDecoder.Publish((byte)(first & 0x0F), body));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void MalformedAcknowledgementsAreNamed()
    {
        Assert.Contains("remaining length 3, expected 2", Assert.Throws<MqttProtocolException>(() => MqttDecoder.ConnAck([0, 0, 0])).Message);
        Assert.Contains("return code 6 is reserved", Assert.Throws<MqttProtocolException>(() => MqttDecoder.ConnAck([0, 6])).Message);
        Assert.Contains("flags 7-1 are reserved", Assert.Throws<MqttProtocolException>(() => MqttDecoder.ConnAck([2, 0])).Message);
        Assert.Contains("packet id 0", Assert.Throws<MqttProtocolException>(() => MqttDecoder.PacketId(MqttPacketType.PubAck, [0, 0])).Message);
        Assert.Contains("return code 0x03 is reserved", Assert.Throws<MqttProtocolException>(() => MqttDecoder.SubAck([0, 1, 3])).Message);
        Assert.Contains("protocol level 3", Assert.Throws<MqttProtocolException>(() =>
            MqttDecoder.Connect([0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 3, 2, 0, 0, 0, 0])).Message);
    }

    [Fact]
    public void TheEncoderRefusesWhatTheSpecForbids()
    {
        Assert.Contains("wildcards", Assert.Throws<ArgumentException>(() =>
            MqttEncoder.Publish(new PublishPacket("a/+/b", Array.Empty<byte>(), MqttQos.AtMostOnce))).Message);
        Assert.Contains("non-zero packet id", Assert.Throws<ArgumentException>(() =>
            MqttEncoder.Publish(new PublishPacket("a", Array.Empty<byte>(), MqttQos.AtLeastOnce))).Message);
        Assert.Contains("needs a user name", Assert.Throws<ArgumentException>(() =>
            MqttEncoder.Connect(new ConnectPacket("c", 0, true, null, [1]))).Message);
        Assert.Contains("65535", Assert.Throws<ArgumentException>(() =>
            MqttEncoder.Publish(new PublishPacket(new string('a', 70_000), Array.Empty<byte>(), MqttQos.AtMostOnce))).Message);
    }

    [Fact]
    public void BackoffDoublesUpToItsCeilingWithJitterInTheUpperHalf()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1000), new Random(1));
        double[] ceilings = [100, 200, 400, 800, 1000, 1000];
        var delays = new List<double>();
        foreach (double ceiling in ceilings)
        {
            Assert.Equal(ceiling, backoff.Ceiling.TotalMilliseconds, 3);
            double d = backoff.NextDelay().TotalMilliseconds;
            Assert.InRange(d, ceiling / 2, ceiling);
            delays.Add(d);
        }
        Assert.True(delays.Distinct().Count() > 1, "jitter varies the delays");
        backoff.Reset();
        Assert.Equal(100, backoff.Ceiling.TotalMilliseconds, 3);
    }

    private delegate T BodyDecoder<T>(byte flags, ReadOnlySpan<byte> body);

    private static T Decode<T>(byte[] packet, MqttPacketType type, BodyDecoder<T> decode)
    {
        Assert.True(MqttDecoder.TryReadFrame(packet, out var frame, out int consumed));
        Assert.Equal(packet.Length, consumed);
        Assert.Equal(type, frame.Type);
        return decode(frame.Flags, packet.AsSpan(frame.BodyOffset, frame.BodyLength));
    }
}
