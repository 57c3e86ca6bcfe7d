using System.Diagnostics;
using System.Runtime.CompilerServices;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Sources;
using EdgeCam.Models;
using EdgeCam.Rules;
using EdgeCam.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Pipeline;

/// <summary>
/// One frame at a time: take the newest frame from the source, preprocess it straight into the
/// model's pinned input tensor, run the model, decode the outputs, evaluate the rules, hand the
/// frame back. Every stage is timed into <see cref="PipelineStats"/>. A frame that fails (a bad
/// frame, an inference error) is counted and skipped; the pipeline goes on. After warm-up a frame
/// allocates no managed memory.
/// A new model (a verified update) is handed over with <see cref="RequestSwap"/> from any thread and
/// goes live between two frames: no frame is dropped or processed half by one model and half by
/// the other. The model it replaced stays loaded until <see cref="ReleasePrevious"/> (the update was
/// confirmed) or <see cref="SwapBack"/> (the new one failed its health checks).
/// </summary>
public sealed class FramePipeline(IFrameSource source, LoadedModel model, RuleEngine? rules, PipelineStats stats, ILogger log,
    string modelVersion = "") : IDisposable
{
    private readonly InferenceResult _result = new();
    private readonly RateLimitedLog _failures = new(log, TimeSpan.FromSeconds(10));
    private LoadedModel _model = model;
    private (LoadedModel Model, string Version)? _previous;
    private StrongBox<(LoadedModel Model, string Version, bool KeepPrevious)>? _pending;

    /// <summary>The model frames run through now (changes only on the pipeline's own thread).</summary>
    public LoadedModel Model => _model;
    public string ModelVersion { get; private set; } = modelVersion;
    public bool HasPrevious => _previous is not null;

    /// <summary>Frames since the last swap that succeeded, and failures in a row since then (health after an update).</summary>
    public long GoodFramesSinceSwap { get; private set; }
    public long FailuresInARowSinceSwap { get; private set; }

    /// <summary>Hands a loaded model over; it goes live before the next frame. Safe from any thread.
    /// With <paramref name="keepPrevious"/> the replaced model stays loaded for <see cref="SwapBack"/>.</summary>
    public void RequestSwap(LoadedModel next, string version, bool keepPrevious = true)
    {
        var old = Interlocked.Exchange(ref _pending, new StrongBox<(LoadedModel Model, string Version, bool KeepPrevious)>((next, version, keepPrevious)));
        old?.Value.Model.Dispose(); // superseded before it went live
    }

    /// <summary>Pipeline thread: go back to the model that ran before the last swap; the failed one is disposed.</summary>
    public bool SwapBack()
    {
        if (_previous is not { } previous) return false;
        var failed = _model;
        _model = previous.Model;
        ModelVersion = previous.Version;
        _previous = null;
        GoodFramesSinceSwap = FailuresInARowSinceSwap = 0;
        failed.Dispose();
        return true;
    }

    /// <summary>Pipeline thread: the new model is trusted now; free the one it replaced.</summary>
    public void ReleasePrevious()
    {
        _previous?.Model.Dispose();
        _previous = null;
    }

    private void ApplyPendingSwap()
    {
        var pending = Interlocked.Exchange(ref _pending, null);
        if (pending is null) return;
        _previous?.Model.Dispose();
        _previous = null;
        if (pending.Value.KeepPrevious) _previous = (_model, ModelVersion);
        else _model.Dispose();
        _model = pending.Value.Model;
        ModelVersion = pending.Value.Version;
        GoodFramesSinceSwap = FailuresInARowSinceSwap = 0;
        log.LogInformation("model swapped between frames {Before} and {After}: now {Version}", CurrentSequence, CurrentSequence + 1, ModelVersion);
    }

    public InferenceResult LastResult => _result;

    /// <summary>The rules in force; replaced between frames when the config is reloaded.</summary>
    public RuleEngine? Rules { get; set; } = rules;

    /// <summary>The source's sequence number of the frame being (or last) processed.</summary>
    public long CurrentSequence { get; private set; } = -1;

    /// <summary>Decides which frames are processed (even skipping, thermal throttling, motion); null = all.</summary>
    public EdgeCam.Adapting.IFrameGate? Gate { get; set; }

    /// <summary>Whether the last <see cref="Step"/> ran the model (false when the gate skipped the frame).</summary>
    public bool LastStepProcessed { get; private set; }

    /// <summary>Called after each processed frame, before the frame is released (e.g. to print detections).</summary>
    public Action<Frame, InferenceResult>? FrameProcessed { get; set; }

    /// <summary>Processes the next frame; false at the end of the stream or on cancellation.</summary>
    public bool Step(CancellationToken cancel)
    {
        long t0 = Stopwatch.GetTimestamp();
        var frame = source.Next(cancel);
        if (frame is null) return false;
        long t1 = Stopwatch.GetTimestamp();
        CurrentSequence = frame.Sequence;
        if (Volatile.Read(ref _pending) is not null) ApplyPendingSwap(); // set by another thread: read it fresh each frame
        var model = _model;
        LastStepProcessed = false;
        if (Gate is { } gate && gate.Decide(frame, t1) is var verdict && verdict != EdgeCam.Adapting.FrameVerdict.Process)
        {
            stats.FrameSkipped(verdict);
            stats.FramesDropped = source.DroppedFrames;
            if (verdict == EdgeCam.Adapting.FrameVerdict.SkipMotion)
            {
                // Nothing moves: the rules see an empty scene, so "off" transitions and holds still run.
                _result.Clear();
                Rules?.Evaluate(_result, Environment.TickCount64);
            }
            else Rules?.Tick(Environment.TickCount64); // pulses and blinking keep their timing
            source.Release(frame);
            return true;
        }
        try
        {
            var mapping = model.Preprocessor.Run(frame.View, model.Input.Bytes);
            long t2 = Stopwatch.GetTimestamp();
            model.Runner.Run();
            long t3 = Stopwatch.GetTimestamp();
            _result.Clear();
            model.Bound.Postprocessor.Process(model.Runner, mapping, _result);
            long t4 = Stopwatch.GetTimestamp();
            Rules?.Evaluate(_result, Environment.TickCount64);
            long t5 = Stopwatch.GetTimestamp();

            stats.Wait.RecordTicks(t1 - t0);
            stats.Preprocess.RecordTicks(t2 - t1);
            stats.Inference.RecordTicks(t3 - t2);
            stats.Postprocess.RecordTicks(t4 - t3);
            stats.Rules.RecordTicks(t5 - t4);
            stats.Total.RecordTicks(t5 - t1);
            stats.FramesDropped = source.DroppedFrames;
            stats.FrameDone(t5);
            Gate?.Processed(t5 - t1);
            LastStepProcessed = true;
            FrameProcessed?.Invoke(frame, _result);
            GoodFramesSinceSwap++;
            FailuresInARowSinceSwap = 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stats.FrameFailed();
            FailuresInARowSinceSwap++;
            _failures.Error(e, "frame {Sequence} from {Origin} failed", frame.Sequence, frame.Origin ?? source.Description);
        }
        finally
        {
            source.Release(frame);
        }
        return true;
    }

    /// <summary>Disposes the models the pipeline owns: the running one, the one kept for rollback, and one not yet swapped in.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _pending, null)?.Value.Model.Dispose();
        ReleasePrevious();
        _model.Dispose();
    }
}
