namespace EdgeCam.Configuration;

/// <summary>
/// The "mqtt" section: where events, state and Home Assistant discovery go. Absent = no MQTT.
/// </summary>
public sealed class MqttConfig
{
    /// <summary>"mqtt://host[:port]" (1883) or "mqtts://host[:port]" (TLS, 8883).</summary>
    public string Broker { get; set; } = "mqtt://127.0.0.1:1883";
    /// <summary>Default "edgecam-HOSTNAME". Also the Home Assistant node id, and fixed so the broker keeps our session.</summary>
    public string? ClientId { get; set; }
    public string? Username { get; set; }
    /// <summary>Prefer <see cref="PasswordFile"/>, which keeps the secret out of the config.</summary>
    public string? Password { get; set; }
    /// <summary>A file whose first line is the password (read at start).</summary>
    public string? PasswordFile { get; set; }
    /// <summary>Topics start with this; default "edgecam/CLIENTID".</summary>
    public string? TopicPrefix { get; set; }
    /// <summary>TLS settings; giving them (or an mqtts:// broker) turns TLS on.</summary>
    public MqttTlsConfig? Tls { get; set; }
    /// <summary>Publish Home Assistant discovery documents (retained).</summary>
    public bool Discovery { get; set; } = true;
    public string DiscoveryPrefix { get; set; } = "homeassistant";
    /// <summary>Accept ON/OFF on each output's command topic (Home Assistant switches). Off by default:
    /// anyone who may publish to the broker could then drive the outputs.</summary>
    public bool Commands { get; set; }
    public int KeepAliveSeconds { get; set; } = 30;
    /// <summary>False (default): the broker keeps our session, so unacknowledged QoS 1 events are resent into it.</summary>
    public bool CleanSession { get; set; }
    /// <summary>Messages waiting for the broker at most (events beyond it are dropped and counted).</summary>
    public int QueueCapacity { get; set; } = 1000;
    public int ReconnectMinMs { get; set; } = 500;
    public int ReconnectMaxMs { get; set; } = 60_000;
    /// <summary>How often measured values (fps, inference time, drops) are published.</summary>
    public int StateIntervalSeconds { get; set; } = 10;
}

public sealed class MqttTlsConfig
{
    /// <summary>PEM file of the CA that signed the broker's certificate; default: the system's trusted roots.</summary>
    public string? CaFile { get; set; }
    /// <summary>The name the broker's certificate must carry; default the broker's host.</summary>
    public string? ServerName { get; set; }
}
