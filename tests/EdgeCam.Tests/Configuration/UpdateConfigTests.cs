using EdgeCam.Cli;
using EdgeCam.Configuration;

namespace EdgeCam.Tests.Configuration;

public class UpdateConfigTests
{
    private static string With(string update) => $$"""
    {
      "source": { "kind": "synthetic" },
      "model": { "path": "m.onnx" },
      "update": {{update}}
    }
    """;

    [Fact]
    public void AnUpdateSectionLoadsWithPathsResolvedAgainstTheConfigFile()
    {
        var c = ConfigLoader.Parse(With("""{ "origin": "https://updates.example.com/edgecam/", "trustedRoot": "root.json", "model": "blazeface-front" }"""),
            "test.json", "/etc/edgecam");
        Assert.Equal("/etc/edgecam/root.json", c.Update!.TrustedRoot);
        Assert.Equal(3600, c.Update.IntervalSeconds);
    }

    [Theory]
    [InlineData("""{ "origin": "ftp://x/", "trustedRoot": "r", "model": "m" }""", "update.origin: 'ftp://x/' is not allowed, expected an http:// or https:// base URL")]
    [InlineData("""{ "origin": "https://x/edgecam", "trustedRoot": "r", "model": "m" }""", "expected a base URL ending in '/'")]
    [InlineData("""{ "origin": "https://x/", "model": "m" }""", "update.trustedRoot: missing")]
    [InlineData("""{ "origin": "https://x/", "trustedRoot": "r" }""", "update.model: missing")]
    [InlineData("""{ "origin": "https://x/", "trustedRoot": "r", "model": "m", "intervalSeconds": 0 }""", "update.intervalSeconds: 0 is not allowed")]
    [InlineData("""{ "origin": "https://x/", "trustedRoot": "r", "model": "m", "maxStartsAfterSwitch": 0 }""", "update.maxStartsAfterSwitch: 0 is not allowed")]
    [InlineData("""{ "origin": "https://x/", "trustedRoot": "r", "model": "m", "orign": 1 }""", "orign")]
    public void BadUpdateSettingsNameTheirPath(string update, string expected)
    {
        var e = Assert.Throws<UserFacingException>(() => ConfigLoader.Parse(With(update), "test.json", "/etc/edgecam"));
        Assert.Equal(ExitCodes.Config, e.ExitCode);
        Assert.Contains(expected, e.Message);
    }
}
