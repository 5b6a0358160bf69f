using Microsoft.Extensions.Logging;

namespace HSoftmax.Cli;

/// <summary>
/// Writes log lines to stderr synchronously, so they interleave in order with the tool's own output
/// (the stock console logger writes from a background queue).
/// </summary>
internal sealed class ConsoleLoggerProvider(LogLevel minimum, TextWriter writer) : ILoggerProvider
{
    public static readonly object Lock = new();

    public ILogger CreateLogger(string categoryName) => new Logger(minimum, writer);

    public void Dispose() { }

    private sealed class Logger(LogLevel minimum, TextWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string level = logLevel switch
            {
                LogLevel.Warning => "warning: ",
                LogLevel.Error or LogLevel.Critical => "error: ",
                _ => "",
            };
            lock (Lock)
            {
                ProgressLine.ClearIfShown(writer);
                writer.WriteLine($"{DateTime.Now:HH:mm:ss} {level}{formatter(state, exception)}");
            }
        }
    }
}

/// <summary>A live progress line on an interactive terminal (rewritten in place with '\r').</summary>
internal static class ProgressLine
{
    private static int _shownLength;

    public static void Show(TextWriter writer, string text)
    {
        lock (ConsoleLoggerProvider.Lock)
        {
            string padded = text.PadRight(_shownLength);
            writer.Write('\r' + padded);
            writer.Flush();
            _shownLength = text.Length;
        }
    }

    public static void ClearIfShown(TextWriter writer)
    {
        if (_shownLength == 0) return;
        writer.Write('\r' + new string(' ', _shownLength) + '\r');
        _shownLength = 0;
    }
}
