using EdgeCam.Cli;
using EdgeCam.Inference.Onnx;

namespace EdgeCam.Output;

/// <summary>Raw tensor files: little-endian elements, no header. Writes are atomic (temp file,
/// fsync, rename) so a reader never sees half a tensor.</summary>
public static class TensorFiles
{
    public static void Read(string path, TensorBuffer into)
    {
        if (!File.Exists(path)) throw new UserFacingException(ExitCodes.Input, $"{path}: no such file");
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException(ExitCodes.Input, $"{path}: cannot be read: {e.Message}");
        }
        if (length != into.ByteLength)
            throw new UserFacingException(ExitCodes.Input,
                $"{path}: {length} bytes, but input '{into.Name}' {NodeInfo.FormatShape(into.Shape)} {TensorElementTypes.Name(into.ElementType)} takes {into.ByteLength}");
        using var stream = File.OpenRead(path);
        stream.ReadExactly(into.Bytes);
    }

    /// <summary>An output name as a file name: path separators and odd characters become '_'.</summary>
    public static string SafeFileName(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '-' or '_' or '.')) chars[i] = '_';
        string s = new(chars);
        return s.Length == 0 || s.StartsWith('.') ? "_" + s : s;
    }

    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes) => EdgeCam.Updates.Storage.DurableFile.Write(path, bytes);
}
