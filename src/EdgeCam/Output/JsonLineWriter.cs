using System.Text.Json;

namespace EdgeCam.Output;

/// <summary>
/// Writes one compact JSON object per line to a stream (stdout by default), built with
/// Utf8JsonWriter so it is AOT-safe and reuses its buffers. Lines are flushed one by one so a
/// consumer (a pipe, journald, a test) sees each event when it happens. Thread-safe.
/// </summary>
public sealed class JsonLineWriter : IDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly Stream _stream;
    private readonly Utf8JsonWriter _writer;
    private readonly object _gate = new();

    public JsonLineWriter(Stream stream)
    {
        _stream = stream;
        _writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false, SkipValidation = false });
    }

    public static JsonLineWriter ForStdout() => new(Console.OpenStandardOutput());

    /// <summary>Writes one object: <paramref name="body"/> fills it between the braces.</summary>
    public void WriteLine(Action<Utf8JsonWriter> body)
    {
        lock (_gate)
        {
            _writer.Reset(_stream);
            _writer.WriteStartObject();
            body(_writer);
            _writer.WriteEndObject();
            _writer.Flush();
            _stream.Write(NewLine);
            _stream.Flush();
        }
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Flush();
    }
}
