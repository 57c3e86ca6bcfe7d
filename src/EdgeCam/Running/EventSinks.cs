using EdgeCam.Rules;

namespace EdgeCam.Running;

/// <summary>Hands each rule and output event to several sinks (stdout JSON lines, MQTT), in order.</summary>
public sealed class EventSinks(params IRuleEventSink[] sinks) : IRuleEventSink
{
    public void OnRule(in RuleEvent e)
    {
        foreach (var s in sinks) s.OnRule(e);
    }

    public void OnOutput(string output, bool value, long timeMs)
    {
        foreach (var s in sinks) s.OnOutput(output, value, timeMs);
    }
}
