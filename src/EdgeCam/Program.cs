using System.CommandLine;
using EdgeCam.Cli;

namespace EdgeCam;

public static class Program
{
    /// <summary>This edgecam's version (the project's &lt;Version&gt;), which bundles' minEdgecamVersion is compared with.</summary>
    public static string Version { get; } = typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static int Main(string[] args)
    {
        RootCommand root = CommandLine.Build();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"edgecam: {error.Message}");
            Console.Error.WriteLine("edgecam: see 'edgecam --help'");
            return ExitCodes.Usage;
        }
        return parsed.Invoke();
    }
}
