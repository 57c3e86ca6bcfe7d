namespace EdgeCam.SelfTest;

/// <summary>One line per check on stdout ("hil: PASS camera-stream ..."), flushed at once: under
/// QEMU stdout is the serial console the host parses, and a hang must not swallow earlier results.</summary>
public sealed class HilReport
{
    public int Passed { get; private set; }
    public int Failed { get; private set; }

    public void Pass(string check, string detail) { Passed++; Write("PASS", check, detail); }
    public void Fail(string check, string detail) { Failed++; Write("FAIL", check, detail); }
    public void Skip(string check, string detail) => Write("SKIP", check, detail);
    public void Result(string check, bool ok, string detail) { if (ok) Pass(check, detail); else Fail(check, detail); }

    private static void Write(string verdict, string check, string detail)
    {
        // A leading newline: a killed child may have left a partial line on the shared console.
        Console.Out.WriteLine($"\nhil: {verdict} {check} {detail.ReplaceLineEndings(" ")}");
        Console.Out.Flush();
    }
}
