using EdgeCam.Rules;

namespace EdgeCam.Snapshots;

/// <summary>Passes rule events on and asks for a capture of the frame whenever a rule becomes active.</summary>
public sealed class SnapshotEventSink(IRuleEventSink inner, FrameCapture capture) : IRuleEventSink
{
    public void OnRule(in RuleEvent e)
    {
        inner.OnRule(e);
        if (e.Active) capture.RequestForEvent(e.Rule);
    }

    public void OnOutput(string output, bool value, long timeMs) => inner.OnOutput(output, value, timeMs);
}
