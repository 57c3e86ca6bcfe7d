namespace EdgeCam.Configuration;

/// <summary>Checks the "mqtt" section: broker URL, credentials, topic prefix and limits.</summary>
internal static class MqttConfigValidator
{
    public static void Validate(MqttConfig? m, List<string> errors)
    {
        if (m is null) return;
        if (BrokerAddress.TryParse(m.Broker, out _) is { } why)
            errors.Add($"mqtt.broker: \"{m.Broker}\" is not allowed, expected {why}");
        if (m.ClientId is { } id && (id.Length is 0 or > 128 || id.Any(c => char.IsControl(c) || c is '+' or '#' or '/')))
            errors.Add($"mqtt.clientId: \"{id}\" is not allowed, expected 1 to 128 characters without '/', '+', '#'");
        if (m.Password is not null && m.PasswordFile is not null)
            errors.Add("mqtt.passwordFile: not allowed together with mqtt.password, expected one of them");
        if ((m.Password is not null || m.PasswordFile is not null) && string.IsNullOrEmpty(m.Username))
            errors.Add("mqtt.username: missing, expected the user name that goes with the password (MQTT sends no password alone)");
        if (m.PasswordFile is { } pf && !File.Exists(pf))
            errors.Add($"mqtt.passwordFile: \"{pf}\" does not exist, expected a file holding the password");
        if (m.Tls?.CaFile is { } ca && !File.Exists(ca))
            errors.Add($"mqtt.tls.caFile: \"{ca}\" does not exist, expected a PEM file of the broker's CA");
        if (m.TopicPrefix is { } p && (p.Length == 0 || p.StartsWith('/') || p.EndsWith('/') || p.IndexOfAny(['+', '#', '\0']) >= 0))
            errors.Add($"mqtt.topicPrefix: \"{p}\" is not allowed, expected topic levels like \"edgecam/door\" without wildcards or outer '/'");
        if (m.DiscoveryPrefix.Length == 0 || m.DiscoveryPrefix.IndexOfAny(['+', '#', '\0']) >= 0)
            errors.Add($"mqtt.discoveryPrefix: \"{m.DiscoveryPrefix}\" is not allowed, expected a topic such as \"homeassistant\"");
        ConfigValidator.Range("mqtt.keepAliveSeconds", m.KeepAliveSeconds, 0, 65535, errors);
        ConfigValidator.Range("mqtt.queueCapacity", m.QueueCapacity, 1, 100_000, errors);
        ConfigValidator.Range("mqtt.reconnectMinMs", m.ReconnectMinMs, 10, 3_600_000, errors);
        ConfigValidator.Range("mqtt.reconnectMaxMs", m.ReconnectMaxMs, Math.Max(10, m.ReconnectMinMs), 3_600_000, errors);
        ConfigValidator.Range("mqtt.stateIntervalSeconds", m.StateIntervalSeconds, 1, 86_400, errors);
    }
}

/// <summary>A broker as the config writes it: mqtt://host[:port] or mqtts://host[:port].</summary>
public readonly record struct BrokerAddress(string Host, int Port, bool Tls)
{
    /// <summary>Null when valid, else what was expected.</summary>
    public static string? TryParse(string text, out BrokerAddress address)
    {
        address = default;
        const string Expected = "\"mqtt://HOST[:PORT]\" or \"mqtts://HOST[:PORT]\"";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || uri.Host.Length == 0)
            return Expected;
        if (uri.UserInfo.Length > 0) return $"{Expected} (credentials go in mqtt.username and mqtt.passwordFile)";
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0) return $"{Expected} without a path";
        bool tls = uri.Scheme == "mqtts";
        address = new BrokerAddress(uri.IdnHost.Trim('[', ']'), uri.IsDefaultPort || uri.Port < 0 ? (tls ? 8883 : 1883) : uri.Port, tls);
        return null;
    }
}
