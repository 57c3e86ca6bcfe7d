namespace EdgeCam.Messaging.Mqtt;

/// <summary>MQTT 3.1.1 control packet types (spec 2.2.1), the high nibble of the first byte.</summary>
public enum MqttPacketType : byte
{
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
}

public enum MqttQos : byte
{
    AtMostOnce = 0,
    AtLeastOnce = 1,
}

/// <summary>CONNACK return codes (spec 3.2.2.3).</summary>
public enum ConnectReturnCode : byte
{
    Accepted = 0,
    UnacceptableProtocolVersion = 1,
    IdentifierRejected = 2,
    ServerUnavailable = 3,
    BadUserNameOrPassword = 4,
    NotAuthorized = 5,
}

public static class ConnectReturnCodes
{
    /// <summary>What a person should read when the broker refuses us.</summary>
    public static string Describe(ConnectReturnCode code) => code switch
    {
        ConnectReturnCode.Accepted => "accepted",
        ConnectReturnCode.UnacceptableProtocolVersion => "the broker does not speak MQTT 3.1.1",
        ConnectReturnCode.IdentifierRejected => "the broker rejected the client id",
        ConnectReturnCode.ServerUnavailable => "the MQTT service is unavailable",
        ConnectReturnCode.BadUserNameOrPassword => "bad user name or password",
        ConnectReturnCode.NotAuthorized => "not authorized (check the user name and password)",
        _ => $"unknown refusal",
    };
}
