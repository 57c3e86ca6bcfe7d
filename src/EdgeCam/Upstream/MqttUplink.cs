using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeCam.Cli;
using EdgeCam.Configuration;
using EdgeCam.Devices.Gpio;
using EdgeCam.Messaging.HomeAssistant;
using EdgeCam.Messaging.Mqtt;
using EdgeCam.Pipeline;
using EdgeCam.Rules;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Upstream;

/// <summary>What a run has to report over MQTT: its rules, its outputs (with their safe states) and its model.</summary>
public sealed record UplinkSubject(IReadOnlyList<string> Rules, IReadOnlyList<(string Name, bool SafeState)> Outputs, string Model)
{
    /// <summary>Values measured outside the pipeline (e.g. a BME280's temperature), each a Home Assistant sensor.</summary>
    public IReadOnlyList<MeasuredValue> Measured { get; init; } = [];
    /// <summary>Reads the latest of <see cref="Measured"/> (by id) when measurements are published.</summary>
    public Func<IEnumerable<(string Id, double Value)>>? ReadMeasured { get; init; }
}

/// <summary>A measured value published as a Home Assistant sensor.</summary>
public sealed record MeasuredValue(string Id, string Name, string? Unit, string? DeviceClass, string StateClass, string Icon);

/// <summary>
/// EdgeCam on MQTT: availability with a last will, rule and output events as JSON (QoS 1), their
/// states retained, measured values retained, Home Assistant discovery, and (opt-in) ON/OFF
/// commands for outputs. Everything the pipeline thread calls only enqueues into the client's
/// bounded outbox; the client's own task talks to the broker, so a slow or absent broker never
/// holds up a frame.
/// </summary>
public sealed partial class MqttUplink : IRuleEventSink, IDisposable
{
    public static readonly MeasuredValue[] PipelineValues =
    [
        new("fps", "Frame rate", "fps", null, "measurement", "mdi:speedometer"),
        new("inference_ms", "Inference time", "ms", "duration", "measurement", "mdi:timer-outline"),
        new("frames_dropped", "Frames dropped", null, null, "total_increasing", "mdi:debug-step-over"),
    ];

    private readonly MqttConfig _config;
    private readonly UplinkSubject _subject;
    private readonly Func<long> _currentFrame;
    private readonly ILogger _log;
    private readonly string _nodeId;
    private readonly ConcurrentDictionary<string, bool> _ruleStates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _outputStates = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Output, bool Value)> _commands = new();
    private readonly object _stateGate = new();
    private readonly Dictionary<string, string> _outputById = new(StringComparer.Ordinal);
    private long _nextMeasurementMs;
    private PipelineStats? _stats;
    private long _lastDropWarningMs = -1_000_000;

    public MqttClient Client { get; }
    public MqttTopics Topics { get; }

    private MqttUplink(MqttConfig config, UplinkSubject subject, Func<long> currentFrame, ILogger log)
    {
        _config = config;
        _subject = subject;
        _currentFrame = currentFrame;
        _log = log;
        BrokerAddress.TryParse(config.Broker, out var broker); // validated with the config
        string node = config.ClientId ?? HomeAssistantDiscovery.Id(Environment.MachineName.ToLowerInvariant());
        string clientId = config.ClientId ?? $"edgecam-{node}";
        _nodeId = HomeAssistantDiscovery.Id(clientId);
        Topics = new MqttTopics(config.TopicPrefix ?? $"edgecam/{node}");
        foreach (var (name, safe) in subject.Outputs)
        {
            _outputById[HomeAssistantDiscovery.Id(name)] = name;
            _outputStates[name] = safe;
        }
        foreach (var rule in subject.Rules) _ruleStates[rule] = false;

        try
        {
            Client = new MqttClient(new MqttClientOptions
            {
                Host = broker.Host,
                Port = broker.Port,
                UseTls = broker.Tls || config.Tls is not null,
                CaFile = config.Tls?.CaFile,
                TlsServerName = config.Tls?.ServerName,
                ClientId = clientId,
                UserName = config.Username,
                Password = config.Password ?? ReadPasswordFile(config.PasswordFile),
                KeepAliveSeconds = (ushort)config.KeepAliveSeconds,
                CleanSession = config.CleanSession,
                Will = new WillMessage(Topics.Availability, "offline"u8.ToArray(), MqttQos.AtLeastOnce, Retain: true),
                QueueCapacity = config.QueueCapacity,
                ReconnectMinDelay = TimeSpan.FromMilliseconds(config.ReconnectMinMs),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(config.ReconnectMaxMs),
            }, log);
        }
        catch (ArgumentException e)
        {
            throw new UserFacingException(ExitCodes.Config, $"config: mqtt: {e.Message}", e);
        }
        Client.Connected = _ => AnnounceAll();
        if (config.Commands)
        {
            Client.Subscribe(Topics.OutputCommandFilter, MqttQos.AtMostOnce); // QoS 0: a stale command is not replayed after an outage
            Client.MessageReceived = OnMessage;
        }
    }

    /// <summary>Builds the uplink and starts connecting in the background (the run does not wait for the broker).</summary>
    public static MqttUplink Start(MqttConfig config, UplinkSubject subject, Func<long> currentFrame, ILogger log)
    {
        var uplink = new MqttUplink(config, subject, currentFrame, log);
        log.LogInformation("MQTT to {Broker} as {ClientId}, topics under {Prefix}/", config.Broker, uplink._nodeId, uplink.Topics.Prefix);
        uplink.Client.Start();
        return uplink;
    }

    public void OnRule(in RuleEvent e)
    {
        Send(Topics.Events, JsonSerializer.SerializeToUtf8Bytes(
            new RuleEventMessage("rule", e.Rule, e.Active ? "on" : "off", _currentFrame(), e.TimeMs, Math.Round(e.BestScore, 4), e.Count),
            UplinkJsonContext.Default.RuleEventMessage), MqttQos.AtLeastOnce, retain: false);
        lock (_stateGate)
        {
            _ruleStates[e.Rule] = e.Active;
            Send(Topics.RuleState(e.Rule), MqttTopics.OnOff(e.Active), MqttQos.AtLeastOnce, retain: true);
        }
    }

    public void OnOutput(string output, bool value, long timeMs) => OutputChanged(output, value, timeMs, "rule");

    /// <summary>On the pipeline thread after each frame: applies queued commands and, every
    /// stateIntervalSeconds, publishes the measured values. Costs one clock read otherwise.</summary>
    public void AfterFrame(PipelineStats stats, OutputBank outputs)
    {
        while (_commands.TryDequeue(out var command)) Apply(command.Output, command.Value, outputs);
        long now = Environment.TickCount64;
        if (now < _nextMeasurementMs) return;
        bool first = _stats is null;
        _stats = stats;
        _nextMeasurementMs = now + _config.StateIntervalSeconds * 1000L;
        if (!first) PublishMeasurements(stats); // after one frame there is no rate yet
    }

    private void PublishMeasurements(PipelineStats stats)
    {
        PublishMeasurement("fps", stats.FramesPerSecond);
        PublishMeasurement("inference_ms", stats.Inference.MeanMs);
        PublishMeasurement("frames_dropped", stats.FramesDropped);
        if (_subject.ReadMeasured is { } read)
            foreach (var (id, value) in read()) PublishMeasurement(id, value);
    }

    /// <summary>Publishes one measured value (retained, QoS 0: the next one replaces a lost one).</summary>
    public void PublishMeasurement(string id, double value) =>
        Send(Topics.SensorState(id), value.ToString("0.###", CultureInfo.InvariantCulture), MqttQos.AtMostOnce, retain: true);

    /// <summary>Says goodbye: the final measured values, rules off (nothing is watched any more),
    /// outputs in their safe states (every way out of a run applies them), "offline", then delivers what is queued for up to five seconds and disconnects.</summary>
    public void Dispose()
    {
        if (_stats is { } stats) PublishMeasurements(stats); // the run's final figures
        foreach (var (rule, active) in _ruleStates)
            if (active) Send(Topics.RuleState(rule), MqttTopics.OnOff(false), MqttQos.AtLeastOnce, retain: true); // no longer watching
        foreach (var (name, safe) in _subject.Outputs)
            if (_outputStates.TryGetValue(name, out bool was) && was != safe) OutputChanged(name, safe, -1, "safe state");
        Send(Topics.Availability, "offline", MqttQos.AtLeastOnce, retain: true);
        bool delivered = Client.StopAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        if (!delivered || Client.Dropped > 0)
            _log.LogWarning("MQTT: {Dropped} messages dropped (queue full), {Pending} undelivered at exit", Client.Dropped, Client.Pending);
    }

    /// <summary>Everything a (re)connected broker should hold: availability, discovery, current states.
    /// Queued behind whatever waited for the connection, so the retained states end up current.</summary>
    private void AnnounceAll()
    {
        Send(Topics.Availability, "online", MqttQos.AtLeastOnce, retain: true);
        if (_config.Discovery)
            foreach (var (topic, document) in DiscoveryDocuments())
                Send(topic, HomeAssistantDiscovery.Serialize(document), MqttQos.AtLeastOnce, retain: true);
        // Under the lock the pipeline takes to change a state, so a change cannot slip in between
        // reading a state here and queueing it, which would leave the older value retained.
        lock (_stateGate)
        {
            foreach (var (rule, on) in _ruleStates) Send(Topics.RuleState(rule), MqttTopics.OnOff(on), MqttQos.AtLeastOnce, retain: true);
            foreach (var (output, on) in _outputStates) Send(Topics.OutputState(output), MqttTopics.OnOff(on), MqttQos.AtLeastOnce, retain: true);
        }
    }

    /// <summary>On the client's task: only parses and queues; the pipeline thread applies it.</summary>
    private void OnMessage(PublishPacket message)
    {
        string[] levels = message.Topic.Split('/');
        string payload = Encoding.UTF8.GetString(message.Payload.Span).Trim();
        if (levels.Length < 3 || !_outputById.TryGetValue(levels[^2], out var output))
        {
            _log.LogWarning("MQTT command on {Topic}: no such output", message.Topic);
            return;
        }
        bool? value = payload.ToUpperInvariant() switch { "ON" => true, "OFF" => false, _ => null };
        if (value is null)
        {
            _log.LogWarning("MQTT command on {Topic}: payload \"{Payload}\" is not allowed, expected ON or OFF", message.Topic, payload);
            return;
        }
        _commands.Enqueue((output, value.Value));
    }

    private void Apply(string output, bool value, OutputBank outputs)
    {
        if (outputs.Find(output) is not { } o) return;
        o.Line.Value = value;
        _log.LogInformation("output {Output} set {State} by MQTT command", output, MqttTopics.OnOff(value));
        OutputChanged(output, value, -1, "mqtt");
    }

    private void OutputChanged(string output, bool value, long timeMs, string source)
    {
        Send(Topics.Events, JsonSerializer.SerializeToUtf8Bytes(
            new OutputEventMessage("output", output, value, _currentFrame(), timeMs, source),
            UplinkJsonContext.Default.OutputEventMessage), MqttQos.AtLeastOnce, retain: false);
        lock (_stateGate)
        {
            _outputStates[output] = value;
            Send(Topics.OutputState(output), MqttTopics.OnOff(value), MqttQos.AtLeastOnce, retain: true);
        }
    }

    private void Send(string topic, string payload, MqttQos qos, bool retain) => Send(topic, Encoding.UTF8.GetBytes(payload), qos, retain);

    private void Send(string topic, byte[] payload, MqttQos qos, bool retain)
    {
        if (Client.Publish(topic, payload, qos, retain)) return;
        long now = Environment.TickCount64;
        if (now - _lastDropWarningMs < 60_000) return; // one line a minute while the broker is away and the queue full
        _lastDropWarningMs = now;
        _log.LogWarning("MQTT queue full ({Capacity} messages waiting for the broker): dropping new messages; {Dropped} dropped so far",
            _config.QueueCapacity, Client.Dropped);
    }

    private static string? ReadPasswordFile(string? path)
    {
        if (path is null) return null;
        try
        {
            return File.ReadLines(path).FirstOrDefault()?.TrimEnd('\r') ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException(ExitCodes.Config, $"config: mqtt.passwordFile {path}: cannot be read: {e.Message}", e);
        }
    }
}
