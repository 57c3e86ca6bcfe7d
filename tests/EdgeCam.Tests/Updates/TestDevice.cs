using EdgeCam.Configuration;
using EdgeCam.Imaging.Frames;
using EdgeCam.Imaging.Sources;
using EdgeCam.Inference.Onnx;
using EdgeCam.Models;
using EdgeCam.Pipeline;
using EdgeCam.Updating;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Tests.Updates;

/// <summary>
/// A device as `edgecam run` builds it, minus the GPIO: the factory BlazeFace model (or whatever
/// the state directory says is current), a live pipeline on a synthetic camera, an update agent
/// and the controller that swaps verified models in between frames.
/// </summary>
public sealed class TestDevice : IDisposable
{
    public UpdateConfig Config { get; }
    public UpdateAgent Agent { get; }
    public FramePipeline Pipeline { get; }
    public UpdateController Controller { get; }
    public PipelineStats Stats { get; } = new();
    public SyntheticPatternSource Source { get; }
    public CapturingLogs Logs { get; } = new();

    public TestDevice(Uri origin, string trustedRoot, string stateDirectory, Action<UpdateConfig>? tweak = null, long frames = 0)
    {
        Config = new UpdateConfig
        {
            Origin = origin.ToString(),
            TrustedRoot = trustedRoot,
            StateDirectory = stateDirectory,
            Model = "blazeface-front",
            Hardware = ["linux-x64"],
            JitterSeconds = 0,
            DownloadTimeoutSeconds = 20,
        };
        tweak?.Invoke(Config);
        var factoryModel = new ModelConfig { Path = TestAssets.BlazeFaceFront, Threads = 1 };
        Agent = new UpdateAgent(Config, factoryModel, Logs.CreateLogger("EdgeCam.Update"));
        var options = new SessionOptions { IntraOpThreads = 1 };
        var (model, version) = Agent.LoadStartupModel(options);
        Source = new SyntheticPatternSource(320, 240, PixelFormat.Yuyv, fps: 0, frames: frames);
        Pipeline = new FramePipeline(Source, model, null, Stats, Logs.CreateLogger("EdgeCam.Run"), version);
        Controller = new UpdateController(Agent, Pipeline, Config, options, Logs.CreateLogger("EdgeCam.Update"));
    }

    public string RunningVersion => Pipeline.ModelVersion;

    /// <summary>One update check as the service's loop makes it; the new version or null.</summary>
    public string? Check() => Controller.CheckOnceAsync(CancellationToken.None).GetAwaiter().GetResult();

    public void Frames(int count)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.True(Pipeline.Step(CancellationToken.None));
            Controller.AfterFrame();
        }
    }

    /// <summary>The refusal as it is logged: exactly one line.</summary>
    public string Refusal()
    {
        string error = Agent.LastError ?? throw new Xunit.Sdk.XunitException("expected the update to be refused, but LastError is null");
        Assert.DoesNotContain('\n', error);
        return error;
    }

    public void Dispose()
    {
        Controller.Dispose();
        Pipeline.Dispose();
        Agent.Dispose();
        Source.Dispose();
    }
}
