using EdgeCam.Output;
using EdgeCam.Rules;

namespace EdgeCam.Running;

/// <summary>Rule and output events as JSON lines on stdout: the results EdgeCam sends upstream.</summary>
public sealed class JsonEventSink(JsonLineWriter output, Func<long> currentFrame) : IRuleEventSink
{
    public void OnRule(in RuleEvent e)
    {
        var ev = e;
        output.WriteLine(w =>
        {
            w.WriteString("event", "rule");
            w.WriteString("rule", ev.Rule);
            w.WriteString("state", ev.Active ? "on" : "off");
            w.WriteNumber("frame", currentFrame());
            w.WriteNumber("timeMs", ev.TimeMs);
            w.WriteNumber("score", Math.Round(ev.BestScore, 4));
            w.WriteNumber("count", ev.Count);
        });
    }

    public void OnOutput(string outputName, bool value, long timeMs) => output.WriteLine(w =>
    {
        w.WriteString("event", "output");
        w.WriteString("output", outputName);
        w.WriteBoolean("value", value);
        w.WriteNumber("frame", currentFrame());
        w.WriteNumber("timeMs", timeMs);
    });
}
