namespace EdgeCam.Messaging.Mqtt;

/// <summary>How <see cref="MqttClient"/> reaches and talks to its broker.</summary>
public sealed class MqttClientOptions
{
    public required string Host { get; init; }
    public int Port { get; init; } = 1883;
    public required string ClientId { get; init; }
    public string? UserName { get; init; }
    public string? Password { get; init; }
    /// <summary>Speak TLS (SslStream). Without <see cref="CaFile"/> the system's trusted roots decide.</summary>
    public bool UseTls { get; init; }
    /// <summary>PEM file of the CA(s) that signed the broker's certificate (a private CA, or a self-signed broker).</summary>
    public string? CaFile { get; init; }
    /// <summary>The name the broker's certificate must carry; default <see cref="Host"/>.</summary>
    public string? TlsServerName { get; init; }
    /// <summary>0 turns keepalive off (spec 3.1.2.10).</summary>
    public ushort KeepAliveSeconds { get; init; } = 30;
    /// <summary>False keeps the broker-side session (subscriptions, queued QoS 1) across reconnects.</summary>
    public bool CleanSession { get; init; }
    public WillMessage? Will { get; init; }
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromSeconds(0.5);
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Messages waiting or unacknowledged at most; beyond it <see cref="MqttClient.Publish"/> refuses.</summary>
    public int QueueCapacity { get; init; } = 1000;
    /// <summary>QoS 1 messages sent and not yet acknowledged at most.</summary>
    public int MaxInFlight { get; init; } = 32;
    /// <summary>Largest packet accepted from the broker.</summary>
    public int MaxIncomingPacketBytes { get; init; } = 256 * 1024;

    public string Endpoint => $"{(UseTls ? "mqtts" : "mqtt")}://{Host}:{Port}";
}
