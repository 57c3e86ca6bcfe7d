using Microsoft.Extensions.Logging;

namespace EdgeCam.Logging;

/// <summary>
/// Logs one line per message to stderr. Under systemd (JOURNAL_STREAM set, or stderr not a
/// terminal) each line starts with the sd-daemon priority prefix ("&lt;3&gt;" error ... "&lt;7&gt;" debug)
/// so journald keeps the level; on a terminal it prints "warn: " style words instead.
/// Writes are serialised so lines from several threads never interleave.
/// </summary>
public sealed class JournalLoggerProvider(LogLevel minimum, bool? journalPrefixes = null) : ILoggerProvider
{
    private readonly bool _prefixes = journalPrefixes
        ?? (Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 } || Console.IsErrorRedirected);
    private readonly object _gate = new();

    public LogLevel Minimum { get; set; } = minimum;

    public ILogger CreateLogger(string categoryName) => new JournalLogger(this, ShortName(categoryName));

    public void Dispose() { }

    internal void Write(LogLevel level, string category, string message, Exception? exception)
    {
        string line = _prefixes
            ? $"<{Priority(level)}>{category}: {message}"
            : $"{Word(level)}: {category}: {message}";
        if (exception is not null && level >= LogLevel.Error && exception is not OperationCanceledException)
            line += $" ({exception.GetType().Name}: {exception.Message})";
        lock (_gate) Console.Error.WriteLine(line);
    }

    // "EdgeCam.Pipeline.FramePipeline" -> "pipeline": short, stable component names for logs.
    private static string ShortName(string category)
    {
        int dot = category.LastIndexOf('.');
        string last = dot >= 0 ? category[(dot + 1)..] : category;
        return last.ToLowerInvariant();
    }

    private static int Priority(LogLevel level) => level switch
    {
        LogLevel.Critical => 2,
        LogLevel.Error => 3,
        LogLevel.Warning => 4,
        LogLevel.Information => 6,
        _ => 7,
    };

    private static string Word(LogLevel level) => level switch
    {
        LogLevel.Critical => "crit",
        LogLevel.Error => "error",
        LogLevel.Warning => "warn",
        LogLevel.Information => "info",
        _ => "debug",
    };

    private sealed class JournalLogger(JournalLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            provider.Write(logLevel, category, formatter(state, exception), exception);
        }
    }
}

/// <summary>A minimal ILoggerFactory over one provider (Microsoft.Extensions.Logging's full factory is not needed).</summary>
public sealed class JournalLoggerFactory(JournalLoggerProvider provider) : ILoggerFactory
{
    public JournalLoggerProvider Provider => provider;
    public void AddProvider(ILoggerProvider p) => throw new NotSupportedException("one provider only");
    public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);
    public void Dispose() => provider.Dispose();
}
