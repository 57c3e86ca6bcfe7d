namespace EdgeCam.Configuration;

/// <summary>Configurations compiled into the binary (from Defaults/configs/, embedded at build time).</summary>
public static class DefaultConfigs
{
    public static string Demo => Read("EdgeCam.Defaults.demo.json");

    private static string Read(string name)
    {
        using var stream = typeof(DefaultConfigs).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
