namespace EdgeCam.Tests.Updates;

/// <summary>One test's directories: the origin it serves, the device's state, and the root the device ships with.</summary>
public abstract class UpdateTestBase(string name) : IDisposable
{
    protected string TestDirectory { get; } = TestAssets.TempDir(name);
    protected string RepoDir => Path.Combine(TestDirectory, "origin");
    protected string StateDir => Path.Combine(TestDirectory, "state");
    protected string TrustedRoot => Path.Combine(RepoDir, "1.root.json");

    public void Dispose()
    {
        try { Directory.Delete(TestDirectory, recursive: true); } catch (IOException) { }
    }
}
