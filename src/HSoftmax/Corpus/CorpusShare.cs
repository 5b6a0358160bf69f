namespace HSoftmax.Corpus;

/// <summary>
/// One part of a corpus cut into <c>parts</c> byte ranges of its text at line ends, for data-parallel
/// training: every line belongs to exactly one part, the one whose range holds its first byte, so no
/// part reads what another reads and together they read the whole corpus.
/// </summary>
/// <remarks>
/// Ranges are cut from the files' text, laid end to end (a gzip file counts its decompressed bytes).
/// A plain file's part starts with a seek; a gzip stream cannot seek, so a part that starts inside a
/// gzip file decompresses what comes before it and drops it. Cut a large gzip corpus into several files
/// and each part decompresses only the files its range reaches.
/// </remarks>
internal sealed class CorpusShare
{
    /// <param name="part">This part's index, 0 to <paramref name="parts"/> - 1.</param>
    /// <param name="parts">The number of parts.</param>
    /// <param name="textLengths">Each file's text length in bytes (<see cref="CorpusReader.TextLengths"/>).</param>
    public CorpusShare(int part, int parts, IReadOnlyList<long> textLengths)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(part);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(part, parts);
        Part = part;
        Parts = parts;
        TextLengths = textLengths;
        long total = textLengths.Sum();
        Start = (long)((Int128)total * part / parts);
        End = (long)((Int128)total * (part + 1) / parts);
    }

    /// <summary>This part's index.</summary>
    public int Part { get; }
    /// <summary>The number of parts.</summary>
    public int Parts { get; }
    /// <summary>Each file's text length in bytes.</summary>
    public IReadOnlyList<long> TextLengths { get; }
    /// <summary>Where the part's range starts in the files' text laid end to end.</summary>
    public long Start { get; }
    /// <summary>Where it ends (exclusive): the line holding the byte before it is the part's last.</summary>
    public long End { get; }

    /// <summary>The range of file <paramref name="index"/> that lines of this part start in, or null if none.</summary>
    internal (long Start, long End)? RangeOf(int index)
    {
        long offset = 0;
        for (int i = 0; i < index; i++) offset += TextLengths[i];
        long start = Math.Max(Start, offset) - offset, end = Math.Min(End, offset + TextLengths[index]) - offset;
        return start < end ? (start, end) : null;
    }
}

/// <summary>
/// The lines of a stream that start in [start, end): it skips to the first line start at or after
/// <c>start</c> and stops after the line that holds byte <c>end - 1</c>.
/// </summary>
internal sealed class LineRangeStream(Stream inner, long start, long end) : ForwardReadStream
{
    private long _position;        // of the next byte of inner
    private bool _started, _done;
    private bool _finishingLine;   // past end: serving the rest of the last line

    public override int Read(Span<byte> buffer)
    {
        if (!_started) SkipToStart();
        if (_done || buffer.IsEmpty) return 0;
        int limit = _finishingLine ? buffer.Length : (int)Math.Min(buffer.Length, end - _position);
        int n = inner.Read(buffer[..limit]);
        if (n == 0) { _done = true; return 0; }
        if (_finishingLine)
        {
            int newline = buffer[..n].IndexOf((byte)'\n');
            if (newline >= 0) { n = newline + 1; _done = true; }
        }
        _position += n;
        if (!_finishingLine && _position == end)
        {
            // The range ends mid-line unless its last byte is a line end: then the next part starts there.
            if (buffer[n - 1] == (byte)'\n') _done = true;
            else _finishingLine = true;
        }
        return n;
    }

    private void SkipToStart()
    {
        _started = true;
        if (start == 0) return;
        // The line that holds byte start - 1 belongs to the part before: skip through its end.
        if (inner.CanSeek) { inner.Position = start - 1; _position = start - 1; }
        else Discard(start - 1);
        Span<byte> one = stackalloc byte[1];
        while (true)
        {
            if (inner.Read(one) == 0) { _done = true; return; }
            _position++;
            if (one[0] == (byte)'\n') break;
        }
        if (_position >= end) _done = true;
    }

    private void Discard(long count)
    {
        var scratch = new byte[1 << 16];
        while (count > 0)
        {
            int n = inner.Read(scratch, 0, (int)Math.Min(scratch.Length, count));
            if (n == 0) { _done = true; return; }
            count -= n;
            _position += n;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
