using System.CommandLine;
using EdgeCam.ModelTool.Cli;

namespace EdgeCam.ModelTool;

public static class Program
{
    public static int Main(string[] args)
    {
        RootCommand root = ToolCommandLine.Build();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"edgecam-model: {error.Message}");
            Console.Error.WriteLine("edgecam-model: see 'edgecam-model --help'");
            return 2;
        }
        return parsed.Invoke();
    }
}
