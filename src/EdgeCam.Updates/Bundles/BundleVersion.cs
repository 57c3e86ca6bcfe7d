namespace EdgeCam.Updates.Bundles;

/// <summary>Dotted numeric versions ("1.2", "1.2.0", "2.0.1.7"): the order a device uses to know what is newer.</summary>
public static class BundleVersion
{
    public static bool TryParse(string? text, out Version version)
    {
        version = new Version(0, 0);
        if (string.IsNullOrEmpty(text) || !text.All(c => char.IsAsciiDigit(c) || c == '.')) return false;
        if (!text.Contains('.')) text += ".0";
        return Version.TryParse(text, out version!);
    }

    public static int Compare(string a, string b)
    {
        TryParse(a, out var x);
        TryParse(b, out var y);
        return Normalise(x).CompareTo(Normalise(y));
    }

    private static Version Normalise(Version v) => new(v.Major, v.Minor, Math.Max(v.Build, 0), Math.Max(v.Revision, 0));
}
