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
public sealed partial class MqttClient : IAsyncDisposable
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
}
