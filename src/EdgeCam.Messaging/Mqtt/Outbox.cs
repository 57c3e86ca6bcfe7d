namespace EdgeCam.Messaging.Mqtt;

/// <summary>A message waiting to be sent, or (QoS 1) sent and waiting for its PUBACK.</summary>
internal sealed class OutgoingMessage(string topic, byte[] payload, MqttQos qos, bool retain)
{
    public string Topic { get; } = topic;
    public byte[] Payload { get; } = payload;
    public MqttQos Qos { get; } = qos;
    public bool Retain { get; } = retain;
    public ushort PacketId { get; set; }

    public PublishPacket ToPacket(bool duplicate) => new(Topic, Payload, Qos, Retain, duplicate, PacketId);
}

/// <summary>
/// What the client still owes the broker: a FIFO of messages not yet sent and, in send order, the
/// QoS 1 messages sent but not acknowledged. Both survive a lost connection; the unacknowledged
/// ones are sent again (DUP set, same packet id) first thing after reconnecting (spec 4.4).
/// Bounded: when full, new messages are refused rather than memory growing without limit.
/// </summary>
internal sealed class Outbox(int capacity, int maxInFlight)
{
    private readonly object _gate = new();
    private readonly Queue<OutgoingMessage> _pending = new();
    private readonly List<OutgoingMessage> _inFlight = [];
    private ushort _lastId;

    public int Count
    {
        get { lock (_gate) return _pending.Count + _inFlight.Count; }
    }

    public int InFlightCount
    {
        get { lock (_gate) return _inFlight.Count; }
    }

    public bool TryAdd(OutgoingMessage m)
    {
        lock (_gate)
        {
            if (_pending.Count + _inFlight.Count >= capacity) return false;
            _pending.Enqueue(m);
            return true;
        }
    }

    /// <summary>The next message to write; a QoS 1 one gets its packet id and moves in flight.
    /// None when the queue is empty or the in-flight window is full.</summary>
    public OutgoingMessage? TakeNext()
    {
        lock (_gate)
        {
            if (!_pending.TryPeek(out var m)) return null;
            if (m.Qos == MqttQos.AtLeastOnce)
            {
                if (_inFlight.Count >= maxInFlight) return null;
                m.PacketId = NextFreeId();
                _inFlight.Add(m);
            }
            _pending.Dequeue();
            return m;
        }
    }

    /// <summary>Removes the message a PUBACK names; false for an id we are not waiting for.</summary>
    public bool Acknowledge(ushort packetId)
    {
        lock (_gate)
        {
            int i = _inFlight.FindIndex(m => m.PacketId == packetId);
            if (i < 0) return false;
            _inFlight.RemoveAt(i);
            return true;
        }
    }

    public OutgoingMessage[] InFlightSnapshot()
    {
        lock (_gate) return [.. _inFlight];
    }

    private ushort NextFreeId()
    {
        while (true)
        {
            _lastId = (ushort)(_lastId >= ushort.MaxValue - 1 ? 1 : _lastId + 1); // 65535 is the client's SUBSCRIBE id
            if (_inFlight.TrueForAll(m => m.PacketId != _lastId)) return _lastId;
        }
    }
}
