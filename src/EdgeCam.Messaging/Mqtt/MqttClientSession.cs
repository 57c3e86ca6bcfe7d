using System.Buffers;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Messaging.Mqtt;

/// <summary>One live connection: the writer sends resends, queued messages and keepalive pings;
/// the reader handles acknowledgements, pings and incoming messages. Either failing ends the
/// connection and the run loop reconnects.</summary>
public sealed partial class MqttClient
{
    /// <summary>Runs one connection until it fails (throws) or, when stopping, everything is
    /// delivered and DISCONNECT sent (returns true).</summary>
    private async Task<bool> RunSessionAsync(Stream stream)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        Interlocked.Exchange(ref _pingSentMs, 0);
        if (_subscriptions.Count > 0)
            await SendAsync(stream, MqttEncoder.Subscribe(SubscribePacketId, _subscriptions), session.Token).ConfigureAwait(false);
        var reader = ReadLoopAsync(stream, session.Token);
        var writer = WriteLoopAsync(stream, session.Token);
        var first = await Task.WhenAny(reader, writer).ConfigureAwait(false);
        await session.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(reader, writer).ConfigureAwait(false);
        }
        catch
        {
            // the first one to finish says why; the other was only cancelled
        }
        await first.ConfigureAwait(false); // rethrows the failure that ended the session
        return first == writer;
    }

    private async Task WriteLoopAsync(Stream stream, CancellationToken ct)
    {
        foreach (var m in _outbox.InFlightSnapshot())
            await SendAsync(stream, MqttEncoder.Publish(m.ToPacket(duplicate: true)), ct).ConfigureAwait(false);
        long keepAliveMs = _options.KeepAliveSeconds * 1000L;
        while (true)
        {
            while (_outbox.TakeNext() is { } m)
                await SendAsync(stream, MqttEncoder.Publish(m.ToPacket(duplicate: false)), ct).ConfigureAwait(false);
            if (_draining && _outbox.Count == 0)
            {
                await SendAsync(stream, MqttEncoder.Disconnect(), ct).ConfigureAwait(false);
                _log.LogInformation("{Endpoint}: disconnected", _options.Endpoint);
                return;
            }
            int waitMs = Timeout.Infinite;
            if (keepAliveMs > 0)
            {
                long now = Environment.TickCount64;
                long pingSent = Interlocked.Read(ref _pingSentMs);
                if (pingSent != 0 && now - pingSent > keepAliveMs)
                    throw new IOException($"no PINGRESP within {_options.KeepAliveSeconds} s");
                if (pingSent == 0 && now - Interlocked.Read(ref _lastSentMs) >= keepAliveMs)
                {
                    Interlocked.Exchange(ref _pingSentMs, now);
                    await SendAsync(stream, MqttEncoder.PingReq(), ct).ConfigureAwait(false);
                    pingSent = now;
                }
                long due = pingSent != 0 ? pingSent + keepAliveMs + 1 : Interlocked.Read(ref _lastSentMs) + keepAliveMs;
                waitMs = (int)Math.Clamp(due - Environment.TickCount64, 10, keepAliveMs);
            }
            await _wake.WaitAsync(waitMs, ct).ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync(Stream stream, CancellationToken ct)
    {
        var header = new byte[5];
        while (true)
        {
            var (type, flags, body, length) = await BrokerConnection.ReadPacketAsync(stream, header, _options.MaxIncomingPacketBytes, ct)
                .ConfigureAwait(false);
            byte[]? reply;
            try
            {
                reply = Handle(type, flags, body.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
            if (reply is not null) await SendAsync(stream, reply, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Acts on one packet from the broker; returns the reply to send, if any.</summary>
    private byte[]? Handle(MqttPacketType type, byte flags, ReadOnlySpan<byte> body)
    {
        switch (type)
        {
            case MqttPacketType.PubAck:
                ushort id = MqttDecoder.PacketId(type, body);
                if (_outbox.Acknowledge(id))
                {
                    Interlocked.Increment(ref _acknowledged);
                    Wake();
                }
                else _log.LogDebug("{Endpoint}: PUBACK for packet {Id}, which is not in flight (a duplicate)", _options.Endpoint, id);
                return null;
            case MqttPacketType.PingResp:
                if (body.Length != 0) throw new MqttProtocolException($"MQTT PINGRESP: remaining length {body.Length}, expected 0");
                Interlocked.Exchange(ref _pingSentMs, 0);
                return null;
            case MqttPacketType.SubAck:
                var ack = MqttDecoder.SubAck(body);
                for (int i = 0; i < ack.ReturnCodes.Length && i < _subscriptions.Count; i++)
                    if (ack.ReturnCodes[i] == SubAckPacket.Failure)
                        _log.LogWarning("{Endpoint}: the broker refused the subscription to {Filter}", _options.Endpoint, _subscriptions[i].Filter);
                return null;
            case MqttPacketType.Publish:
                var message = MqttDecoder.Publish(flags, body);
                try
                {
                    MessageReceived?.Invoke(message);
                }
                catch (Exception e)
                {
                    _log.LogError(e, "{Endpoint}: handling a message on {Topic} failed", _options.Endpoint, message.Topic);
                }
                return message.Qos == MqttQos.AtLeastOnce ? MqttEncoder.PubAck(message.PacketId) : null;
            default:
                throw new MqttProtocolException($"MQTT: a client does not expect {type} from the broker");
        }
    }

    private async Task SendAsync(Stream stream, byte[] packet, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await stream.WriteAsync(packet, ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
            Interlocked.Exchange(ref _lastSentMs, Environment.TickCount64);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
