using EdgeCam.Cli;
using EdgeCam.Imaging.Preprocessing;
using EdgeCam.Inference.Cards;
using EdgeCam.Inference.Onnx;
using EdgeCam.Vision.Cards;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Models;

/// <summary>
/// Loads a model with its card: finds the card (given, beside the model, or in its metadata),
/// checks it against the model, creates the runner at the card's input size, runs it once on a
/// blank input (warm-up, and the outputs' real shapes for the postprocessor's check).
/// </summary>
public static class ModelLoader
{
    public static LoadedModel Load(string modelPath, string? cardPath, SessionOptions options, ILogger log,
        CardBinding.Overrides? overrides = null, string? runtimeLibrary = null)
    {
        InitializeRuntime(runtimeLibrary, log);
        var session = OrtSession.FromFile(modelPath, options);
        ModelRunner? runner = null;
        try
        {
            var (card, origin) = FindCard(modelPath, cardPath, session);
            var bound = CardBinding.Bind(card, origin, session, overrides);
            runner = new ModelRunner(session, new Dictionary<string, long[]> { [bound.InputName] = bound.InputShape });
            runner.Run();
            try
            {
                bound.Postprocessor.Validate(runner);
            }
            catch (InvalidOperationException e)
            {
                throw new ModelCardException($"model card {origin}: postprocess does not fit {modelPath}: {e.Message}");
            }
            log.LogInformation("model {Model}: {Name} {Version}, input {Input} {Shape} {Layout}, {Kind} postprocessing, ONNX Runtime {Ort}",
                modelPath, card.Name ?? "?", card.Version ?? "", bound.InputName, NodeInfo.FormatShape(bound.InputShape),
                card.Input.Layout, card.Postprocess.Kind, OrtLibrary.VersionString);
            return new LoadedModel(session, runner, card, origin, bound, CreatePreprocessor(bound.Plan));
        }
        catch
        {
            runner?.Dispose();
            session.Dispose();
            throw;
        }
    }

    /// <summary>The preprocessing pass for a plan: the fused Vector128 path (it falls back to the
    /// scalar reference by itself for the rare shapes it does not vectorise).</summary>
    public static IPreprocessor CreatePreprocessor(PreprocessPlan plan) => new Vector128Preprocessor(plan);

    public static void InitializeRuntime(string? runtimeLibrary, ILogger log)
    {
        OrtEnvironment.LogSink ??= (severity, message) =>
            log.Log(severity >= 3 ? LogLevel.Warning : LogLevel.Debug, "onnxruntime: {Message}", message);
        OrtEnvironment.Initialize(runtimeLibrary);
    }

    /// <summary>The card for a model: explicit path, MODEL.card.json beside it, or its metadata.</summary>
    public static (ModelCard Card, string Origin) FindCard(string modelPath, string? cardPath, OrtSession session)
    {
        if (cardPath is not null) return (ModelCardLoader.Load(cardPath), cardPath);
        string beside = ModelCardLoader.CardPathFor(modelPath);
        if (File.Exists(beside)) return (ModelCardLoader.Load(beside), beside);
        if (session.Metadata.Custom.TryGetValue(ModelCard.MetadataKey, out string? json))
        {
            string origin = $"{modelPath} (metadata {ModelCard.MetadataKey})";
            return (ModelCardLoader.Parse(json, origin), origin);
        }
        throw new UserFacingException(ExitCodes.Model,
            $"model {modelPath} has no model card: give --card, put {Path.GetFileName(beside)} beside it, or embed one under metadata key {ModelCard.MetadataKey}");
    }
}
