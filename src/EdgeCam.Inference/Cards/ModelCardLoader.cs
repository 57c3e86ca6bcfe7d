using System.Text.Json;

namespace EdgeCam.Inference.Cards;

/// <summary>Finds, parses and checks model cards. Every error is a <see cref="ModelCardException"/>
/// whose message names the card and the JSON path at fault.</summary>
public static class ModelCardLoader
{
    /// <summary>The conventional card path for a model: <c>face.onnx</c> -> <c>face.card.json</c>.</summary>
    public static string CardPathFor(string modelPath) => Path.ChangeExtension(modelPath, ".card.json");

    public static ModelCard Parse(string json, string origin)
    {
        ModelCard? card;
        try
        {
            card = JsonSerializer.Deserialize(json, ModelCardJsonContext.Default.ModelCard);
        }
        catch (JsonException e)
        {
            throw new ModelCardException($"model card {origin}: {JsonErrors.Describe(e)}");
        }
        if (card is null) throw new ModelCardException($"model card {origin}: the document is empty (null)");
        var errors = new List<string>();
        ModelCardValidator.Validate(card, errors);
        if (errors.Count > 0)
            throw new ModelCardException($"model card {origin}: {string.Join("; ", errors)}");
        return card;
    }

    public static ModelCard Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelCardException($"model card {path}: cannot be read: {e.Message}");
        }
        return Parse(json, path);
    }

    public static string ToJson(ModelCard card) => JsonSerializer.Serialize(card, ModelCardJsonContext.Default.ModelCard);
}

public sealed class ModelCardException(string message) : Exception(message);
