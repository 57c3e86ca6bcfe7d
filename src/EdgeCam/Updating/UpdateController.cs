using EdgeCam.Configuration;
using EdgeCam.Inference.Onnx;
using EdgeCam.Pipeline;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Updating;

/// <summary>
/// Runs updates beside a live pipeline. A background loop checks the origin every interval (plus
/// jitter, so a fleet does not poll in step); a verified, self-tested candidate is persisted as
/// the current bundle first and then handed to the pipeline, which swaps it in between two frames.
/// On the pipeline's thread, <see cref="AfterFrame"/> watches the new model: failing frames in a
/// row roll it back at once; surviving the crash window confirms it.
/// </summary>
public sealed class UpdateController(UpdateAgent agent, FramePipeline pipeline, UpdateConfig config, SessionOptions options, ILogger log) : IDisposable
{
    private readonly SemaphoreSlim _checkNow = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public UpdateAgent Agent => agent;

    public void Start()
    {
        agent.RunningLabels = pipeline.Model.Bound.Labels;
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    /// <summary>Asks for a check now instead of at the next interval (e.g. from the HTTP API).</summary>
    public void CheckNow()
    {
        try { _checkNow.Release(); } catch (SemaphoreFullException) { /* one already asked for */ }
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        var delay = TimeSpan.FromSeconds(Random.Shared.NextDouble() * config.JitterSeconds);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _checkNow.WaitAsync(delay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromSeconds(config.IntervalSeconds + Random.Shared.NextDouble() * config.JitterSeconds);
            try
            {
                await CheckOnceAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Not the update's fault (the state directory, the runtime): keep running, try again next time.
                log.LogError("check failed: {Error}", e.Message);
            }
        }
    }

    /// <summary>
    /// One check; a verified candidate is persisted as current and handed to the pipeline, which
    /// swaps it in before its next frame. Returns the new version, or null (nothing new, or refused:
    /// see <see cref="UpdateAgent.LastError"/>).
    /// </summary>
    public async Task<string?> CheckOnceAsync(CancellationToken cancel)
    {
        string running = pipeline.ModelVersion;
        var candidate = await agent.CheckAsync(running, options, cancel).ConfigureAwait(false);
        if (candidate is null) return null;
        if (cancel.IsCancellationRequested)
        {
            candidate.Model.Dispose();
            return null;
        }
        // Persist first: if power fails between the two steps the next start runs the new,
        // already verified bundle, which is what the device was about to do anyway.
        agent.Store.SwitchTo(candidate.Version, DateTimeOffset.UtcNow);
        log.LogInformation("switching from {Old} to {New}", running, candidate.Version);
        pipeline.RequestSwap(candidate.Model, candidate.Version);
        return candidate.Version;
    }

    /// <summary>Pipeline thread, after each frame: health rollback and confirmation of a fresh switch.</summary>
    public void AfterFrame()
    {
        var state = agent.Store.State;
        if (state.Confirmed || state.Current != pipeline.ModelVersion) return;
        if (pipeline.FailuresInARowSinceSwap >= config.FailingFramesForRollback)
        {
            string bad = pipeline.ModelVersion;
            string reason = $"health: {pipeline.FailuresInARowSinceSwap} frames in a row failed after switching to {bad}";
            log.LogError("rolling back {Bad} to {Previous}: {Reason}", bad, state.Previous ?? UpdateAgent.FactoryVersion, reason);
            agent.Store.RollBack(reason, DateTimeOffset.UtcNow);
            if (!pipeline.SwapBack())
            {
                // Started on the new bundle (after a restart): the previous model is not in memory.
                var (model, version) = agent.LoadCurrentModel(options);
                pipeline.RequestSwap(model, version, keepPrevious: false);
            }
            return;
        }
        if (pipeline.GoodFramesSinceSwap > 0
            && DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - state.SwitchedAtUnixMs >= config.CrashWindowSeconds * 1000L)
        {
            agent.Store.Confirm();
            pipeline.ReleasePrevious();
            log.LogInformation("bundle {Version} confirmed after {Seconds} s", pipeline.ModelVersion, config.CrashWindowSeconds);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _loop?.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
        _stop.Dispose();
        _checkNow.Dispose();
    }
}
