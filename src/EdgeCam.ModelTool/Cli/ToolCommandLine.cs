using System.CommandLine;
using System.Security.Cryptography;
using EdgeCam.Inference.Cards;
using EdgeCam.Inference.Onnx;
using EdgeCam.ModelTool.Release;
using EdgeCam.Updates.Tuf;

namespace EdgeCam.ModelTool.Cli;

/// <summary>The command tree of edgecam-model. Errors are one line on stderr and exit code 1.</summary>
public static class ToolCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("edgecam-model: the release side of EdgeCam models: bundles, signing keys and signed update metadata (TUF).");
        root.Subcommands.Add(Keygen());
        root.Subcommands.Add(Bundle());
        root.Subcommands.Add(Init());
        root.Subcommands.Add(ReleaseCommand());
        root.Subcommands.Add(Timestamp());
        root.Subcommands.Add(RotateRoot());
        foreach (var command in OptimizeCommands.All()) root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Runs one command; every failure becomes one line naming what and where.</summary>
    public static int Run(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is ToolException or EdgeCam.Imaging.Codecs.ImageDecodeException or UpdateRejectedException or OrtException or ModelCardException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"edgecam-model: {e.Message}");
            return 1;
        }
    }

    private static Option<string> Repo() => new("--repo") { Description = "The update origin's directory (static files).", Required = true };

    private static Option<string[]> Keys(string name, string description, bool required = false) => new(name)
    { Description = description, AllowMultipleArgumentsPerToken = true, Required = required };

    private static Command Keygen()
    {
        var output = new Option<string>("--out") { Description = "Base path: writes BASE.key (private, mode 0600) and BASE.pub.", Required = true };
        var command = new Command("keygen", "Create an ECDSA P-256 signing key pair. Prints the key id, never the private key.") { output };
        command.SetAction(r => Run(() =>
        {
            var (privatePath, publicPath, keyId) = KeyFiles.Generate(r.GetValue(output)!);
            Console.WriteLine($"key {keyId}\n  private {privatePath} (0600)\n  public  {publicPath}");
        }));
        return command;
    }

    private static Command Bundle()
    {
        var model = new Option<string>("--model") { Description = "The .onnx model.", Required = true };
        var card = new Option<string?>("--card") { Description = "Its model card (default: MODEL.card.json beside it)." };
        var name = new Option<string>("--name") { Description = "The model line devices follow, e.g. blazeface-front.", Required = true };
        var version = new Option<string>("--version") { Description = "The bundle's version, dotted numbers (e.g. 1.2.0).", Required = true };
        var images = Keys("--image", "Real images to compute the self-test vectors from (one vector each).", required: true);
        var tolerance = new Option<double>("--tolerance") { Description = "Largest output difference a device accepts.", DefaultValueFactory = _ => 1e-3 };
        var runtime = new Option<string?>("--runtime") { Description = "libonnxruntime.so.1 to use (default: $EDGECAM_ORT_LIBRARY, next to the tool, system)." };
        var output = new Option<string>("--out") { Description = "The bundle file to write (.zip).", Required = true };
        var command = new Command("bundle", "Make a model bundle: model + card + self-test vectors + version.")
        { model, card, name, version, images, tolerance, runtime, output };
        command.SetAction(r => Run(() =>
        {
            string m = r.GetValue(model)!;
            var manifest = BundleBuilder.Build(m, r.GetValue(card) ?? ModelCardLoader.CardPathFor(m), r.GetValue(name)!, r.GetValue(version)!,
                r.GetValue(images)!, r.GetValue(tolerance), r.GetValue(output)!, r.GetValue(runtime), s => Console.Error.WriteLine($"edgecam-model: {s}"));
            Console.WriteLine($"bundle {manifest.Name} {manifest.Version}: {r.GetValue(output)} ({manifest.SelfTest.Vectors.Count} self-test vectors)");
        }));
        return command;
    }

    private sealed record RoleOptions(Option<string[]> Keys, Option<int> Threshold);

    private static Dictionary<string, RoleOptions> RoleKeyOptions(bool required) => TufSpec.TopLevelRoles.ToDictionary(role => role, role => new RoleOptions(
        Keys($"--{role}-key", $"Public key file(s) (.pub) of the {role} role.", required),
        new Option<int>($"--{role}-threshold") { Description = $"Signatures the {role} role needs (default 1).", DefaultValueFactory = _ => 1 }));

    private static Command Init()
    {
        var repo = Repo();
        var roles = RoleKeyOptions(required: true);
        var signWith = Keys("--sign-with", "Private root key file(s) to sign 1.root.json.", required: true);
        var command = new Command("init", "Create an update origin: 1.root.json with the keys and thresholds of every role.") { repo, signWith };
        foreach (var o in roles.Values) { command.Options.Add(o.Keys); command.Options.Add(o.Threshold); }
        command.SetAction(r => Run(() =>
        {
            var specs = roles.ToDictionary(x => x.Key, x => new RoleSpec(r.GetValue(x.Value.Keys)!.Select(KeyFiles.LoadPublic).ToList(), r.GetValue(x.Value.Threshold)));
            using var signers = new KeySet(r.GetValue(signWith)!);
            new ReleaseRepository(r.GetValue(repo)!).Init(specs, signers.Keys, Expiries.Default);
            Console.WriteLine($"{Path.Combine(r.GetValue(repo)!, "1.root.json")}: written; ship it to devices as their trusted root");
        }));
        return command;
    }

    private static Command ReleaseCommand()
    {
        var repo = Repo();
        var bundle = new Option<string>("--bundle") { Description = "The bundle (from `edgecam-model bundle`).", Required = true };
        var hardware = Keys("--hardware", "Hardware tags it runs on (e.g. linux-x64 linux-arm64 rpi5).", required: true);
        var minEdgecam = new Option<string>("--min-edgecam") { Description = "The oldest edgecam that can run it.", DefaultValueFactory = _ => "0.1.0" };
        var keys = Keys("--key", "Private key files; those of the targets, snapshot and timestamp roles are used.", required: true);
        var command = new Command("release", "Add or replace a bundle on the origin and re-sign targets, snapshot and timestamp.")
        { repo, bundle, hardware, minEdgecam, keys };
        command.SetAction(r => Run(() =>
        {
            using var signers = new KeySet(r.GetValue(keys)!);
            string path = new ReleaseRepository(r.GetValue(repo)!).Release(r.GetValue(bundle)!, r.GetValue(hardware)!, r.GetValue(minEdgecam)!, signers.Keys, Expiries.Default);
            Console.WriteLine($"released {path}");
        }));
        return command;
    }

    private static Command Timestamp()
    {
        var repo = Repo();
        var keys = Keys("--key", "Private timestamp key file(s).", required: true);
        var hours = new Option<int>("--expires-hours") { Description = "How long the timestamp stays valid.", DefaultValueFactory = _ => 24 };
        var command = new Command("timestamp", "Re-sign a fresh timestamp (run it from cron well within --expires-hours).") { repo, keys, hours };
        command.SetAction(r => Run(() =>
        {
            if (r.GetValue(hours) < 1) throw new ToolException($"--expires-hours {r.GetValue(hours)}: expected 1 or more");
            using var signers = new KeySet(r.GetValue(keys)!);
            new ReleaseRepository(r.GetValue(repo)!).Timestamp(signers.Keys, Expiries.Default with { Timestamp = TimeSpan.FromHours(r.GetValue(hours)) });
            Console.WriteLine("timestamp re-signed");
        }));
        return command;
    }

    private static Command RotateRoot()
    {
        var repo = Repo();
        var roles = RoleKeyOptions(required: false);
        var signWith = Keys("--sign-with", "Private root key files: a threshold of the old root's and of the new root's.", required: true);
        var command = new Command("rotate-root", "Write root N+1 with new keys for the roles given (others unchanged), signed by old and new root keys.")
        { repo, signWith };
        foreach (var o in roles.Values) { command.Options.Add(o.Keys); command.Options.Add(o.Threshold); }
        command.SetAction(r => Run(() =>
        {
            var changes = roles.Where(x => r.GetValue(x.Value.Keys) is { Length: > 0 })
                .ToDictionary(x => x.Key, x => new RoleSpec(r.GetValue(x.Value.Keys)!.Select(KeyFiles.LoadPublic).ToList(), r.GetValue(x.Value.Threshold)));
            if (changes.Count == 0) throw new ToolException("rotate-root: give new keys for at least one role (e.g. --root-key, --timestamp-key)");
            using var signers = new KeySet(r.GetValue(signWith)!);
            var root = new ReleaseRepository(r.GetValue(repo)!).RotateRoot(changes, signers.Keys, Expiries.Default);
            Console.WriteLine($"{root.Version}.root.json written");
        }));
        return command;
    }

    /// <summary>Private keys loaded for one command and disposed after it.</summary>
    private sealed class KeySet(IEnumerable<string> paths) : IDisposable
    {
        public IReadOnlyList<ECDsa> Keys { get; } = paths.Select(KeyFiles.LoadPrivate).ToList();
        public void Dispose() { foreach (var k in Keys) k.Dispose(); }
    }
}
