using System.Text.Json;
using EdgeCam.Configuration;
using EdgeCam.Output;
using EdgeCam.Updates.Tuf;
using EdgeCam.Updating;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Cli;

/// <summary>`edgecam update status` and `edgecam update check`.</summary>
public static class UpdateCommand
{
    public static int Status(string configPath, bool json, ILoggerFactory logs)
    {
        var (config, update) = Load(configPath);
        using var agent = new UpdateAgent(update, config.Model, logs.CreateLogger("EdgeCam.Update"));
        var trusted = TrustedMetadata.Open(agent.Store.TufDirectory, update.TrustedRoot);
        if (json)
        {
            using var output = JsonLineWriter.ForStdout();
            output.WriteLine(w =>
            {
                w.WriteStartObject("update");
                UpdateStatus.Write(w, agent, null);
                WriteTrusted(w, trusted);
                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        }
        var state = agent.Store.State;
        Console.WriteLine($"current:   {state.Current ?? UpdateAgent.FactoryVersion}{(state.Confirmed ? "" : $" (switched {TufTime.Format(DateTimeOffset.FromUnixTimeMilliseconds(state.SwitchedAtUnixMs))}, not confirmed yet, {state.StartsSinceSwitch} start(s) since)")}");
        Console.WriteLine($"previous:  {state.Previous ?? UpdateAgent.FactoryVersion}");
        Console.WriteLine($"trusted:   root v{trusted.Root.Signed.Version}, timestamp v{trusted.Timestamp?.Signed.Version.ToString() ?? "-"}, " +
                          $"snapshot v{trusted.Snapshot?.Signed.Version.ToString() ?? "-"}, targets v{trusted.Targets?.Signed.Version.ToString() ?? "-"}");
        Console.WriteLine($"follows:   {update.Model} on [{string.Join(", ", agent.Hardware)}], edgecam {agent.EdgecamVersion}, from {update.Origin}");
        foreach (var r in state.Rejected) Console.WriteLine($"rejected:  {r.Version}: {r.Reason}");
        Console.WriteLine($"state:     {agent.Store.Directory}");
        return ExitCodes.Ok;
    }

    public static int Check(string configPath, bool now, ILoggerFactory logs)
    {
        var (config, update) = Load(configPath);
        if (!now && update.JitterSeconds > 0) Thread.Sleep(TimeSpan.FromSeconds(Random.Shared.NextDouble() * update.JitterSeconds));
        var log = logs.CreateLogger("EdgeCam.Update");
        using var agent = new UpdateAgent(update, config.Model, log);
        string running = agent.Store.State.Current ?? UpdateAgent.FactoryVersion;
        var options = RunCommand.SessionOptionsFrom(config.Model);
        var candidate = agent.CheckAsync(running, options, CancellationToken.None).GetAwaiter().GetResult();
        if (agent.LastError is not null)
            throw new UserFacingException(ExitCodes.UpdateRefused, $"update refused: {agent.LastError}");
        if (candidate is null)
        {
            log.LogInformation("{Outcome}", agent.LastOutcome);
            return ExitCodes.Ok;
        }
        using (candidate.Model)
        {
            agent.Store.SwitchTo(candidate.Version, DateTimeOffset.UtcNow);
        }
        log.LogInformation("bundle {Version} installed and current; a running service switches to it at its next check or restart", candidate.Version);
        return ExitCodes.Ok;
    }

    private static (EdgeCamConfig Config, UpdateConfig Update) Load(string configPath)
    {
        var config = ConfigLoader.Load(configPath);
        if (config.Update is not { } update)
            throw new UserFacingException(ExitCodes.Config, $"config {configPath}: has no \"update\" section (origin, trustedRoot, model)");
        return (config, update);
    }

    private static void WriteTrusted(Utf8JsonWriter w, TrustedMetadata trusted)
    {
        w.WriteStartObject("trusted");
        w.WriteNumber("root", trusted.Root.Signed.Version);
        if (trusted.Timestamp is { } t) w.WriteNumber("timestamp", t.Signed.Version);
        if (trusted.Snapshot is { } s) w.WriteNumber("snapshot", s.Signed.Version);
        if (trusted.Targets is { } g) w.WriteNumber("targets", g.Signed.Version);
        w.WriteEndObject();
    }
}
