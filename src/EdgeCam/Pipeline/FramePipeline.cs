using System.Diagnostics;
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
/// </summary>
public sealed class FramePipeline(IFrameSource source, LoadedModel model, RuleEngine? rules, PipelineStats stats, ILogger log)
{
    private readonly InferenceResult _result = new();
    private readonly RateLimitedLog _failures = new(log, TimeSpan.FromSeconds(10));

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
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stats.FrameFailed();
            _failures.Error(e, "frame {Sequence} from {Origin} failed", frame.Sequence, frame.Origin ?? source.Description);
        }
        finally
        {
            source.Release(frame);
        }
        return true;
    }
}
