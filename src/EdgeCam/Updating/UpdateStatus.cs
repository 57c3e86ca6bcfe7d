using System.Text.Json;
using EdgeCam.Updates.Tuf;

namespace EdgeCam.Updating;

/// <summary>What `edgecam update status`, the run summary and the logs say about updates.</summary>
public static class UpdateStatus
{
    /// <summary>Writes the update state as a JSON object's members (the caller opened the object).</summary>
    public static void Write(Utf8JsonWriter w, UpdateAgent agent, string? runningVersion)
    {
        var state = agent.Store.State;
        if (runningVersion is not null) w.WriteString("running", runningVersion);
        w.WriteString("current", state.Current ?? UpdateAgent.FactoryVersion);
        w.WriteString("previous", state.Previous ?? UpdateAgent.FactoryVersion);
        w.WriteBoolean("confirmed", state.Confirmed);
        if (state.Current is not null) w.WriteString("switchedAt", TufTime.Format(DateTimeOffset.FromUnixTimeMilliseconds(state.SwitchedAtUnixMs)));
        w.WriteStartArray("rejected");
        foreach (var r in state.Rejected)
        {
            w.WriteStartObject();
            w.WriteString("version", r.Version);
            w.WriteString("reason", r.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (agent.LastCheck is { } at)
        {
            w.WriteString("lastCheck", TufTime.Format(at));
            w.WriteString("lastOutcome", agent.LastOutcome);
            if (agent.LastError is not null) w.WriteString("lastError", agent.LastError);
        }
        w.WriteString("stateDirectory", agent.Store.Directory);
    }

    /// <summary>A callback for the run summary.</summary>
    public static Action<Utf8JsonWriter> Describe(UpdateAgent agent, string runningVersion) => w =>
    {
        w.WriteStartObject("update");
        Write(w, agent, runningVersion);
        w.WriteEndObject();
    };
}
