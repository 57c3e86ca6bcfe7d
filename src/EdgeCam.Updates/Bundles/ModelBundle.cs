using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeCam.Updates.Storage;
using EdgeCam.Updates.Tuf;

namespace EdgeCam.Updates.Bundles;

/// <summary>
/// Reads and writes model bundles (zip files with bundle.json, the model, its card and self-test
/// tensors) and installs a verified one into a directory. Entries are plain names only: a bundle
/// cannot write outside its own directory, however its zip is crafted.
/// </summary>
public static class ModelBundle
{
    /// <summary>Largest total of extracted bytes accepted (a zip bomb stops here).</summary>
    public const long MaxExtractedBytes = 1L << 30;

    public static void Write(string path, BundleManifest manifest, IReadOnlyDictionary<string, byte[]> entries)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, BundleManifest.FileName, JsonSerializer.SerializeToUtf8Bytes(manifest, BundleJsonContext.Default.BundleManifest));
            foreach (var (name, bytes) in entries.OrderBy(e => e.Key, StringComparer.Ordinal)) Add(zip, CheckName(name, path), bytes);
        }
        DurableFile.Write(path, buffer.ToArray());
    }

    private static void Add(ZipArchive zip, string name, byte[] bytes)
    {
        // A fixed time keeps a bundle's bytes (and so its hash) the same for the same contents.
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        entry.LastWriteTime = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var stream = entry.Open();
        stream.Write(bytes);
    }

    /// <summary>
    /// Extracts a bundle into <paramref name="directory"/> (which must not exist) atomically: into a
    /// temporary sibling first, every file flushed, installed.json written, then one rename.
    /// Returns the manifest. Throws <see cref="UpdateRejectedException"/> (BadBundle) for anything
    /// that is not a well-formed bundle.
    /// </summary>
    public static BundleManifest Install(string bundlePath, string directory, string bundleSha256)
    {
        string parent = Path.GetDirectoryName(Path.GetFullPath(directory))!;
        Directory.CreateDirectory(parent);
        string temp = Path.Combine(parent, $"{DurableFile.TempPrefix}{Path.GetFileName(directory)}-{Environment.ProcessId}");
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        try
        {
            var manifest = Extract(bundlePath, temp, bundleSha256);
            DurableFile.SyncDirectory(temp);
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            Directory.Move(temp, directory);
            DurableFile.SyncDirectory(parent);
            return manifest;
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    private static BundleManifest Extract(string bundlePath, string into, string bundleSha256)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(bundlePath);
        }
        catch (InvalidDataException e)
        {
            throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{bundlePath}: not a zip bundle: {e.Message}");
        }
        using (zip)
        {
            var manifestEntry = zip.GetEntry(BundleManifest.FileName)
                ?? throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{bundlePath}: has no {BundleManifest.FileName}");
            var manifest = ReadManifest(manifestEntry, bundlePath);
            var installed = new InstalledBundle { Name = manifest.Name, Version = manifest.Version, BundleSha256 = bundleSha256 };
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                string name = CheckName(entry.FullName, bundlePath);
                total += entry.Length;
                if (total > MaxExtractedBytes)
                    throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{bundlePath}: extracts to more than {MaxExtractedBytes >> 20} MiB");
                string target = Path.Combine(into, name);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                using (var input = entry.Open())
                using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                {
                    var chunk = new byte[81920];
                    long written = 0;
                    int n;
                    while ((n = input.Read(chunk)) > 0)
                    {
                        written += n;
                        if (written > entry.Length)
                            throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{bundlePath}: entry {name} is longer than its header says");
                        output.Write(chunk, 0, n);
                        hash.AppendData(chunk, 0, n);
                    }
                    output.Flush(flushToDisk: true);
                }
                installed.Files[name] = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            foreach (string needed in RequiredEntries(manifest))
                if (!installed.Files.ContainsKey(needed))
                    throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{bundlePath}: {BundleManifest.FileName} names {needed}, which the bundle does not hold");
            DurableFile.Write(Path.Combine(into, InstalledBundle.FileName),
                JsonSerializer.SerializeToUtf8Bytes(installed, BundleJsonContext.Default.InstalledBundle));
            return manifest;
        }
    }

    /// <summary>Checks an installed bundle's files against installed.json; returns its manifest, or throws.</summary>
    public static BundleManifest VerifyInstalled(string directory)
    {
        string record = Path.Combine(directory, InstalledBundle.FileName);
        if (!File.Exists(record))
            throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{directory}: not a complete installed bundle (no {InstalledBundle.FileName})");
        InstalledBundle installed;
        try
        {
            installed = JsonSerializer.Deserialize(File.ReadAllBytes(record), BundleJsonContext.Default.InstalledBundle)
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{record}: {e.Message}");
        }
        foreach (var (name, sha256) in installed.Files)
        {
            string path = Path.Combine(directory, CheckName(name, record));
            if (!File.Exists(path) || Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) != sha256)
                throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{path}: missing or altered since installation");
        }
        using var stream = File.OpenRead(Path.Combine(directory, BundleManifest.FileName));
        return ParseManifest(stream, directory);
    }

    private static BundleManifest ReadManifest(ZipArchiveEntry entry, string origin)
    {
        if (entry.Length > 1 << 20) throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{origin}: {BundleManifest.FileName} is larger than 1 MiB");
        using var stream = entry.Open();
        return ParseManifest(stream, origin);
    }

    private static BundleManifest ParseManifest(Stream stream, string origin)
    {
        BundleManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(stream, BundleJsonContext.Default.BundleManifest) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{origin}: {BundleManifest.FileName}: {e.Message}");
        }
        if (manifest.Name.Length == 0 || !BundleVersion.TryParse(manifest.Version, out _))
            throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{origin}: {BundleManifest.FileName} needs a name and a dotted version (got '{manifest.Name}' '{manifest.Version}')");
        if (manifest.SelfTest.Vectors.Count == 0)
            throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{origin}: {BundleManifest.FileName} has no self-test vectors; a bundle must prove itself before it runs");
        return manifest;
    }

    private static IEnumerable<string> RequiredEntries(BundleManifest manifest)
    {
        yield return manifest.Model;
        yield return manifest.Card;
        foreach (var vector in manifest.SelfTest.Vectors)
            foreach (var tensor in vector.Inputs.Concat(vector.Outputs))
                yield return tensor.File;
    }

    private static string CheckName(string name, string origin)
    {
        if (name.Length == 0 || name.Length > 128 || name is "." or ".." || name.StartsWith('.') && name != "."
            || name.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new UpdateRejectedException(UpdateFailure.BadBundle, $"{origin}: entry name '{name}' is not a plain file name");
        return name;
    }
}
