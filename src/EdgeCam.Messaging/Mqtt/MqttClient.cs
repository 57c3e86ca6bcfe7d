using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCam.Messaging.Mqtt;

/// <summary>
/// A compact MQTT 3.1.1 client that keeps one connection to one broker alive in the background:
/// connect (TLS, user name and password, will), keepalive pings, reconnect with exponential
/// backoff and jitter, QoS 0 and QoS 1 publishing through a bounded <see cref="Outbox"/> whose
/// unacknowledged QoS 1 messages are sent again (DUP) after every reconnect, and subscriptions
/// renewed on every connect. <see cref="Publish"/> never blocks: callers on a frame pipeline only
/// enqueue.
/// </summary>
public sealed class MqttClient : IAsyncDisposable
{
    // SUBSCRIBE uses one reserved id; publishes cycle below it, so the two never collide.
    private const ushort SubscribePacketId = ushort.MaxValue;

    private readonly MqttClientOptions _options;
    private readonly ILogger _log;
    private readonly Outbox _outbox;
    private readonly X509Certificate2Collection? _trustedCas;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Subscription> _subscriptions = [];
    private Task? _run;
    private volatile bool _draining;
    private volatile bool _connected;
    private Stream? _stream;
    private long _dropped, _acknowledged, _connections;
    private long _lastSentMs, _pingSentMs;

    public MqttClient(MqttClientOptions options, ILogger? log = null)
    {
        _options = options;
        _log = log ?? NullLogger.Instance;
        _outbox = new Outbox(options.QueueCapacity, Math.Min(options.MaxInFlight, SubscribePacketId - 1));
        if (options.UseTls && options.CaFile is { } ca) _trustedCas = BrokerConnection.LoadCaFile(ca);
    }

    /// <summary>After every accepted CONNECT, on the client's task, before anything queued is sent:
    /// the place to queue what a fresh connection needs (availability, retained state).
    /// The argument is the broker's "session present" flag.</summary>
    public Action<bool>? Connected { get; set; }

    /// <summary>A connection attempt failed or a connection was lost: the error, the number of
    /// failures in a row, and the delay before the next attempt.</summary>
    public Action<Exception, int, TimeSpan>? ConnectionFailed { get; set; }

    /// <summary>A PUBLISH from the broker (on the client's task; keep it short, do not block).</summary>
    public Action<PublishPacket>? MessageReceived { get; set; }

    public bool IsConnected => _connected;
    /// <summary>Messages refused because the outbox was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    /// <summary>QoS 1 messages the broker acknowledged.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);
    /// <summary>Accepted CONNECTs so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);
    /// <summary>Messages not yet sent or (QoS 1) not yet acknowledged.</summary>
    public int Pending => _outbox.Count;

    /// <summary>Topic filters to subscribe on every connect. Call before <see cref="Start"/>.</summary>
    public void Subscribe(string filter, MqttQos qos)
    {
        if (_run is not null) throw new InvalidOperationException("MQTT: subscribe before starting the client");
        _subscriptions.Add(new Subscription(filter, qos));
    }

    public void Start()
    {
        if (_run is not null) throw new InvalidOperationException("MQTT: the client is already started");
        _run = Task.Run(RunAsync);
    }

    /// <summary>Queues a message; false when the outbox is full (counted in <see cref="Dropped"/>).</summary>
    public bool Publish(string topic, byte[] payload, MqttQos qos, bool retain)
    {
        MqttEncoder.ValidateTopicName(topic, "topic");
        if (!_outbox.TryAdd(new OutgoingMessage(topic, payload, qos, retain)))
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }
        Wake();
        return true;
    }

    public bool Publish(string topic, string payload, MqttQos qos, bool retain) =>
        Publish(topic, Encoding.UTF8.GetBytes(payload), qos, retain);

    /// <summary>Waits until everything queued is delivered (QoS 1 acknowledged) or the timeout.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        long end = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (_outbox.Count > 0)
        {
            if (Environment.TickCount64 >= end) return false;
            await Task.Delay(10).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Delivers what is queued (for at most <paramref name="drainTimeout"/>), then sends
    /// DISCONNECT so the broker discards the will. True when nothing was left undelivered.</summary>
    public async Task<bool> StopAsync(TimeSpan drainTimeout)
    {
        if (_run is null) return _outbox.Count == 0;
        _draining = true;
        Wake();
        if (await Task.WhenAny(_run, Task.Delay(drainTimeout)).ConfigureAwait(false) != _run)
        {
            _log.LogWarning("{Endpoint}: {Count} messages still undelivered after {Seconds:F1} s; giving up on them",
                _options.Endpoint, _outbox.Count, drainTimeout.TotalSeconds);
            await _stop.CancelAsync().ConfigureAwait(false);
            _stream?.Dispose();
        }
        try
        {
            await _run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return _outbox.Count == 0;
    }

    /// <summary>Drops the connection without DISCONNECT, as a crash or power loss would: the broker
    /// then publishes the will.</summary>
    public void Abort()
    {
        _stop.Cancel();
        _stream?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_run is not null && !_run.IsCompleted) await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _stop.Dispose();
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    private async Task RunAsync()
    {
        var backoff = new ReconnectBackoff(_options.ReconnectMinDelay, _options.ReconnectMaxDelay);
        while (!_stop.IsCancellationRequested && !(_draining && _outbox.Count == 0))
        {
            Stream? stream = null;
            try
            {
                stream = await ConnectAsync().ConfigureAwait(false);
                backoff.Reset();
                if (await RunSessionAsync(stream).ConfigureAwait(false)) break; // drained and disconnected
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                bool wasConnected = _connected;
                var delay = backoff.NextDelay();
                string reason = e is OperationCanceledException
                    ? $"no answer within {_options.ConnectTimeout.TotalSeconds:0.#} s"
                    : e.Message;
                if (wasConnected)
                    _log.LogWarning("{Endpoint}: connection lost: {Reason}; reconnecting in {Delay:F1} s", _options.Endpoint, reason, delay.TotalSeconds);
                else
                    _log.LogWarning("{Endpoint}: cannot connect: {Reason}; attempt {Attempt} failed, next in {Delay:F1} s",
                        _options.Endpoint, reason, backoff.Failures, delay.TotalSeconds);
                ConnectionFailed?.Invoke(e is OperationCanceledException ? new TimeoutException(reason, e) : e, backoff.Failures, delay);
                _connected = false;
                _stream = null;
                stream?.Dispose();
                stream = null;
                try
                {
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            finally
            {
                _connected = false;
                _stream = null;
                stream?.Dispose();
            }
        }
    }

    private async Task<Stream> ConnectAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        var stream = await BrokerConnection.OpenAsync(_options, _trustedCas, timeout.Token).ConfigureAwait(false);
        try
        {
            await SendAsync(stream, MqttEncoder.Connect(new ConnectPacket(
                _options.ClientId, _options.KeepAliveSeconds, _options.CleanSession, _options.UserName,
                _options.Password is null ? null : Encoding.UTF8.GetBytes(_options.Password), _options.Will)), timeout.Token).ConfigureAwait(false);
            var (type, _, body, length) = await BrokerConnection.ReadPacketAsync(stream, new byte[5], _options.MaxIncomingPacketBytes, timeout.Token)
                .ConfigureAwait(false);
            ConnAckPacket ack;
            try
            {
                if (type != MqttPacketType.ConnAck) throw new MqttProtocolException($"MQTT: expected CONNACK, the broker sent {type}");
                ack = MqttDecoder.ConnAck(body.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
            if (ack.ReturnCode != ConnectReturnCode.Accepted) throw new MqttConnectionRefusedException(ack.ReturnCode);
            Interlocked.Increment(ref _connections);
            _stream = stream;
            _connected = true;
            _log.LogInformation("{Endpoint}: connected as {ClientId} (broker session {Session}, {Unacked} unacknowledged to resend)",
                _options.Endpoint, _options.ClientId, ack.SessionPresent ? "kept" : "new", _outbox.InFlightCount);
            Connected?.Invoke(ack.SessionPresent);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

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
