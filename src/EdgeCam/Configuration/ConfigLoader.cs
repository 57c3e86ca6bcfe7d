using System.Text.Json;
using EdgeCam.Cli;
using EdgeCam.Inference.Cards;

namespace EdgeCam.Configuration;

/// <summary>Reads, expands and validates the configuration. Every problem becomes one line naming
/// the file, the JSON path, the value and what was expected; nothing starts with a bad config.</summary>
public static class ConfigLoader
{
    /// <summary>The name shown for the configuration compiled into the binary.</summary>
    public const string BuiltInName = "<built-in demo>";

    public static EdgeCamConfig Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException(ExitCodes.Config, $"config {path}: cannot be read: {e.Message}");
        }
        string baseDir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        return Parse(json, path, baseDir);
    }

    public static EdgeCamConfig LoadBuiltIn() => Parse(DefaultConfigs.Demo, BuiltInName, Environment.CurrentDirectory);

    public static EdgeCamConfig Parse(string json, string origin, string baseDir)
    {
        EdgeCamConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(json, ConfigJsonContext.Default.EdgeCamConfig);
        }
        catch (JsonException e)
        {
            throw new UserFacingException(ExitCodes.Config, $"config {origin}: {JsonErrors.Describe(e)}");
        }
        if (config is null)
            throw new UserFacingException(ExitCodes.Config, $"config {origin}: the document is empty (null)");

        ExpandPaths(config, baseDir);
        var errors = new List<string>();
        ConfigValidator.Validate(config, errors);
        if (errors.Count > 0)
        {
            string detail = errors.Count == 1 ? errors[0] : $"{errors[0]} (and {errors.Count - 1} more: {string.Join("; ", errors.Skip(1))})";
            throw new UserFacingException(ExitCodes.Config, $"config {origin}: {detail}");
        }
        return config;
    }

    private static void ExpandPaths(EdgeCamConfig config, string baseDir)
    {
        config.Source.Path = PathExpansion.Expand(config.Source.Path, baseDir);
        config.Model.Path = PathExpansion.Expand(config.Model.Path, baseDir);
        config.Model.Card = PathExpansion.Expand(config.Model.Card, baseDir);
        config.Model.OptimizedModelPath = PathExpansion.Expand(config.Model.OptimizedModelPath, baseDir);
        config.Model.Runtime = PathExpansion.Expand(config.Model.Runtime, baseDir);
        if (config.Update is { } u)
        {
            u.TrustedRoot = PathExpansion.Expand(u.TrustedRoot, baseDir) ?? "";
            u.StateDirectory = PathExpansion.Expand(u.StateDirectory, baseDir);
        }
        if (config.Adapt.Thermal is { } thermal) thermal.Zone = PathExpansion.Expand(thermal.Zone, baseDir)!;
        if (config.Snapshots is { } snapshots) snapshots.Directory = PathExpansion.Expand(snapshots.Directory, baseDir);
        if (config.Mqtt is { } mqtt)
        {
            mqtt.PasswordFile = PathExpansion.Expand(mqtt.PasswordFile, baseDir);
            if (mqtt.Tls is { } tls) tls.CaFile = PathExpansion.Expand(tls.CaFile, baseDir);
        }
    }
}

/// <summary>Expands "${EDGECAM_CACHE}", "${VAR}" and a leading "~", then resolves relative paths
/// against a base directory (the config file's).</summary>
public static class PathExpansion
{
    public static string CacheDirectory => Environment.GetEnvironmentVariable("EDGECAM_CACHE") is { Length: > 0 } c
        ? c
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "edgecam");

    public static string? Expand(string? path, string baseDir)
    {
        if (string.IsNullOrEmpty(path)) return path;
        string p = path.Replace("${EDGECAM_CACHE}", CacheDirectory, StringComparison.Ordinal);
        int start;
        while ((start = p.IndexOf("${", StringComparison.Ordinal)) >= 0)
        {
            int end = p.IndexOf('}', start);
            if (end < 0) break;
            string name = p[(start + 2)..end];
            p = p[..start] + (Environment.GetEnvironmentVariable(name) ?? "") + p[(end + 1)..];
        }
        if (p == "~" || p.StartsWith("~/", StringComparison.Ordinal))
            p = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + p[1..];
        return Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(baseDir, p));
    }
}
