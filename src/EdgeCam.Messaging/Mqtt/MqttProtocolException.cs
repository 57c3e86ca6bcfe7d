namespace EdgeCam.Messaging.Mqtt;

/// <summary>Bytes that are not a valid MQTT 3.1.1 packet, or a packet that makes no sense at this point.</summary>
public sealed class MqttProtocolException(string message) : Exception(message);

/// <summary>The broker answered CONNECT with a refusal.</summary>
public sealed class MqttConnectionRefusedException(ConnectReturnCode code)
    : Exception($"broker refused the connection: {ConnectReturnCodes.Describe(code)} (CONNACK return code {(byte)code})")
{
    public ConnectReturnCode Code { get; } = code;
}
