using System.Buffers;
using System.Text.Unicode;

namespace HSoftmax.Corpus;

/// <summary>Receives the tokens of a corpus, one sentence after another.</summary>
/// <remarks>Implemented by structs and passed by reference, so the tokenizer's loop makes no virtual calls.</remarks>
public interface ITokenSink
{
    /// <summary>One whitespace-separated token, as valid UTF-8 bytes; the span is only valid during the call.</summary>
    void Token(ReadOnlySpan<byte> token);

    /// <summary>The end of a sentence: a line end, a cut of a long line, or the end of a file.</summary>
    void EndOfSentence();
}

/// <summary>How text is cut into sentences and tokens.</summary>
public sealed record CorpusOptions
{
    /// <summary>Lines longer than this many tokens are cut into sentences of this length (gensim's 10,000).</summary>
    public int MaxSentenceLength { get; init; } = 10_000;

    /// <summary>Tokens longer than this many bytes are skipped and counted (see <see cref="CorpusReader.SkippedLongTokens"/>).</summary>
    public int MaxTokenBytes { get; init; } = 1024;
}

/// <summary>
/// Streams UTF-8 text from files (plain or gzip), splitting on ASCII whitespace; one line is one sentence.
/// Nothing but one buffer is held in memory, whatever the size of the corpus.
/// </summary>
/// <remarks>
/// Bad input stops the read with a <see cref="CorpusException"/> naming the file and line:
/// a NUL byte (binary data), invalid UTF-8, a truncated or corrupt gzip stream.
/// Over-long tokens are skipped and counted rather than failing a run over one stray blob.
/// </remarks>
public sealed class CorpusReader
{
    private const int BufferSize = 1 << 20;
    private static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\n\r\v\f"u8);
    private static readonly SearchValues<byte> TokenEnd = SearchValues.Create(" \t\n\r\v\f\0"u8);

    /// <summary>Reads the given files, in order (folders must already be expanded; see <see cref="FromPaths"/>).</summary>
    /// <param name="files">The files to read, each plain or gzip.</param>
    /// <param name="options">How text is cut into sentences and tokens; null for the defaults.</param>
    /// <exception cref="CorpusException"><paramref name="files"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option in <paramref name="options"/> is out of range.</exception>
    public CorpusReader(IReadOnlyList<string> files, CorpusOptions? options = null)
    {
        if (files.Count == 0)
            throw new CorpusException("no input files given");
        Files = files;
        Options = options ?? new CorpusOptions();
        if (Options.MaxSentenceLength < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxSentenceLength must be at least 1");
        if (Options.MaxTokenBytes < 1 || Options.MaxTokenBytes > BufferSize / 2)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxTokenBytes must be in 1..{BufferSize / 2}");
    }

    /// <summary>A reader of one part of this corpus: the lines that start in the part's byte ranges (see <see cref="CorpusShare"/>).</summary>
    /// <exception cref="ArgumentException">The share does not give one text length per file.</exception>
    internal CorpusReader WithShare(CorpusShare share)
    {
        if (share.TextLengths.Count != Files.Count)
            throw new ArgumentException($"the share gives {share.TextLengths.Count} text lengths for {Files.Count} files", nameof(share));
        return new CorpusReader(Files, Options) { Share = share };
    }

    /// <summary>The part of the corpus this reader reads; null for all of it.</summary>
    internal CorpusShare? Share { get; private init; }

    /// <summary>
    /// Each file's text length in bytes, what <see cref="CorpusShare"/> cuts: a plain file's size, a gzip
    /// file's decompressed size (it is decompressed to count it).
    /// </summary>
    /// <exception cref="CorpusException">A file cannot be read.</exception>
    internal long[] TextLengths(CancellationToken cancellationToken = default)
    {
        var lengths = new long[Files.Count];
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            for (int i = 0; i < Files.Count; i++)
            {
                using Stream stream = CorpusFiles.Open(Files[i]);
                if (stream.CanSeek) { lengths[i] = stream.Length; continue; }
                int n;
                while ((n = ReadBlock(stream, buffer, Files[i], 0)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    lengths[i] += n;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return lengths;
    }

    /// <summary>Reads the given files and folders (see <see cref="CorpusFiles.Expand"/>).</summary>
    public static CorpusReader FromPaths(IEnumerable<string> paths, CorpusOptions? options = null) =>
        new(CorpusFiles.Expand(paths), options);

    /// <summary>The files read, in order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>How text is cut into sentences and tokens.</summary>
    public CorpusOptions Options { get; }

    /// <summary>Tokens skipped in the last pass for being longer than <see cref="CorpusOptions.MaxTokenBytes"/>.</summary>
    public long SkippedLongTokens { get; private set; }

    /// <summary>Passes every token of every file to <paramref name="sink"/>, in order.</summary>
    public void Read<TSink>(ref TSink sink, CancellationToken cancellationToken = default) where TSink : struct, ITokenSink =>
        Read(ref sink, validateUtf8: true, cancellationToken);

    /// <summary>
    /// As <see cref="Read{TSink}(ref TSink, CancellationToken)"/>; training passes after the counting pass
    /// skip the UTF-8 check (a token with invalid bytes can only be an unknown word there).
    /// </summary>
    internal void Read<TSink>(ref TSink sink, bool validateUtf8, CancellationToken cancellationToken) where TSink : struct, ITokenSink
    {
        SkippedLongTokens = 0;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            for (int i = 0; i < Files.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string file = Files[i];
                if (Share is null)
                {
                    using Stream stream = CorpusFiles.Open(file);
                    ReadFile(stream, file, buffer, ref sink, validateUtf8, cancellationToken);
                }
                else if (Share.RangesOf(i) is { Count: > 0 } ranges)
                {
                    using Stream part = new LineRangeStream(CorpusFiles.Open(file), ranges);
                    ReadFile(part, file, buffer, ref sink, validateUtf8, cancellationToken);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadFile<TSink>(Stream stream, string file, byte[] buffer, ref TSink sink, bool validateUtf8, CancellationToken cancellationToken)
        where TSink : struct, ITokenSink
    {
        int maxSentence = Options.MaxSentenceLength;
        int maxToken = Options.MaxTokenBytes;
        long line = 1;
        int sentenceTokens = 0;
        int kept = 0;            // bytes of an unfinished token carried to the front of the buffer
        bool skipping = false;   // inside an over-long token, discarding until whitespace
        bool eof = false;
        bool atStart = true;

        while (!eof)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = ReadBlock(stream, buffer.AsSpan(kept), file, line);
            eof = read == 0;
            int length = kept + read;
            int pos = 0;
            kept = 0;
            if (atStart)
            {
                // A UTF-8 byte order mark (Windows editors write one) is not part of the first word.
                if (length < 3 && !eof) { kept = length; continue; }
                atStart = false;
                if (length >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF) pos = 3;
            }

            while (pos < length)
            {
                if (skipping)
                {
                    int end = buffer.AsSpan(pos, length - pos).IndexOfAny(TokenEnd);
                    if (end < 0) { pos = length; break; }
                    pos += end;
                    skipping = false;
                    continue;
                }

                // Whitespace, counting lines: a newline ends the sentence.
                byte b = buffer[pos];
                if (Whitespace.Contains(b))
                {
                    if (b == (byte)'\n')
                    {
                        line++;
                        if (sentenceTokens > 0) { sink.EndOfSentence(); sentenceTokens = 0; }
                    }
                    pos++;
                    continue;
                }
                if (b == 0)
                    throw new CorpusException($"{file}:{line}: NUL byte in text (is this a binary file?)");

                var rest = buffer.AsSpan(pos, length - pos);
                int tokenLength = rest.IndexOfAny(TokenEnd);
                if (tokenLength < 0 && !eof)
                {
                    // The token runs past the buffer: carry it over, or give up on it if it is already too long.
                    if (rest.Length > maxToken)
                    {
                        SkippedLongTokens++;
                        skipping = true;
                        pos = length;
                        break;
                    }
                    rest.CopyTo(buffer);
                    kept = rest.Length;
                    pos = length;
                    break;
                }
                if (tokenLength < 0) tokenLength = rest.Length;
                var token = rest[..tokenLength];
                pos += tokenLength;
                if (tokenLength > maxToken)
                {
                    SkippedLongTokens++;
                    continue;
                }
                if (validateUtf8 && !Utf8.IsValid(token))
                    throw new CorpusException($"{file}:{line}: invalid UTF-8 in token starting with '{Printable(token)}'");
                sink.Token(token);
                if (++sentenceTokens == maxSentence) { sink.EndOfSentence(); sentenceTokens = 0; }
            }
        }
        if (sentenceTokens > 0)
            sink.EndOfSentence();
    }

    private static int ReadBlock(Stream stream, Span<byte> target, string file, long line)
    {
        try
        {
            // One read, not a fill: a gzip error found behind good data then comes on the next call,
            // after the lines before it were counted, so the message names the right line.
            return stream.Read(target);
        }
        catch (InvalidDataException e)
        {
            throw new CorpusException($"{file}: corrupt gzip data near line {line}: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new CorpusException($"{file}: read failed near line {line}: {e.Message}", e);
        }
    }

    private static string Printable(ReadOnlySpan<byte> token)
    {
        var head = token[..Math.Min(token.Length, 16)];
        var chars = new char[head.Length];
        for (int i = 0; i < head.Length; i++)
            chars[i] = head[i] is >= 0x20 and < 0x7f ? (char)head[i] : '?';
        return new string(chars);
    }
}
