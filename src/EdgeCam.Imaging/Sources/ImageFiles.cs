using EdgeCam.Imaging.Codecs;
using Microsoft.Extensions.Logging;

namespace EdgeCam.Imaging.Sources;

/// <summary>Turns the paths a user gives (files and directories) into the image files to read.</summary>
public static class ImageFiles
{
    /// <summary>A file stays as it is; a directory becomes its image files (by content, in
    /// ordinal name order; other files are skipped with a debug line). Symlinks are followed.</summary>
    public static IReadOnlyList<string> Expand(string path, ILogger? log = null)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) throw new ImageDecodeException($"{path}: no such file or directory");
        var files = new List<string>();
        foreach (string file in Directory.EnumerateFiles(path).Order(StringComparer.Ordinal))
        {
            if (LooksLikeImage(file)) files.Add(file);
            else log?.LogDebug("skipping {File}: not a JPEG, PNG or PPM/PGM image", file);
        }
        if (files.Count == 0) throw new ImageDecodeException($"{path}: the directory holds no JPEG, PNG or PPM/PGM images");
        return files;
    }

    private static bool LooksLikeImage(string file)
    {
        Span<byte> head = stackalloc byte[4];
        try
        {
            using var stream = File.OpenRead(file);
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return ImageDecoder.LooksDecodable(head[..n]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
