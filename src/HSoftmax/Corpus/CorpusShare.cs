namespace HSoftmax.Corpus;

/// <summary>
/// One part of a corpus cut at line ends for data-parallel training. The files' text, laid end to end,
/// is cut into <c>parts x stripes</c> byte ranges and range j goes to part j mod parts, so the parts
/// take turns along the corpus. Every line belongs to exactly one part, the one whose range holds its
/// first byte: no part reads what another reads, and together they read the whole corpus.
/// </summary>
/// <remarks>
/// <para><b>Why stripes.</b> With one range per part, N ranks read N regions at once where one process
/// reads the corpus from start to end, and the learning rate meets each region at another point of its
/// decay. On enwiki that order alone cost 1.2 points of 1-epoch analogy at 2 ranks
/// (tools/results/scale-out.md). Stripes keep the job near one process's place in the corpus.</para>
/// <para>A plain file's stripes start with a seek. A gzip stream cannot seek, so a part that reads
/// stripes of a gzip file decompresses the whole file up to its last stripe and drops the others' bytes:
/// every rank decompresses all of it. Give many ranks plain text, or gzip files no larger than a stripe
/// (the corpus / (ranks x 64)), which then fall whole to one rank or two (docs/distributed.md).</para>
/// </remarks>
internal sealed class CorpusShare
{
    /// <summary>The stripes per part a distributed run cuts: enough that no rank is more than 1/64 of
    /// the corpus away from the job's place in it.</summary>
    public const int DefaultStripes = 64;

    /// <param name="part">This part's index, 0 to <paramref name="parts"/> - 1.</param>
    /// <param name="parts">The number of parts.</param>
    /// <param name="textLengths">Each file's text length in bytes (<see cref="CorpusReader.TextLengths"/>).</param>
    /// <param name="stripes">The ranges each part gets, taking turns with the other parts.</param>
    public CorpusShare(int part, int parts, IReadOnlyList<long> textLengths, int stripes = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stripes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(part);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(part, parts);
        Part = part;
        Parts = parts;
        TextLengths = textLengths;
        Int128 total = textLengths.Sum(), cuts = (Int128)parts * stripes;
        var ranges = new (long, long)[stripes];
        for (int s = 0; s < stripes; s++)
        {
            Int128 j = (Int128)s * parts + part;
            ranges[s] = ((long)(total * j / cuts), (long)(total * (j + 1) / cuts));
        }
        Ranges = ranges;
        // Each file's share of the ranges, in its own offsets, cut once: a reader asks every epoch.
        _rangesByFile = new List<(long, long)>[textLengths.Count];
        long offset = 0;
        for (int i = 0; i < textLengths.Count; i++)
        {
            long fileEnd = offset + textLengths[i];
            var inFile = new List<(long, long)>();
            foreach (var (start, end) in ranges)
            {
                long from = Math.Max(start, offset), to = Math.Min(end, fileEnd);
                if (from < to) inFile.Add((from - offset, to - offset));
            }
            _rangesByFile[i] = inFile;
            offset = fileEnd;
        }
    }

    private readonly List<(long Start, long End)>[] _rangesByFile;

    /// <summary>This part's index.</summary>
    public int Part { get; }
    /// <summary>The number of parts.</summary>
    public int Parts { get; }
    /// <summary>Each file's text length in bytes.</summary>
    public IReadOnlyList<long> TextLengths { get; }
    /// <summary>
    /// This part's byte ranges in the files' text laid end to end, in order: a range holds the lines
    /// that start in [Start, End).
    /// </summary>
    public IReadOnlyList<(long Start, long End)> Ranges { get; }

    /// <summary>This part's ranges within file <paramref name="index"/>, in the file's own offsets; empty if none.</summary>
    internal IReadOnlyList<(long Start, long End)> RangesOf(int index) => _rangesByFile[index];
}

/// <summary>
/// The lines of a stream that start in a list of byte ranges: for each range it skips to the first line
/// start at or after the range's start and stops after the line that holds the range's last byte.
/// </summary>
internal sealed class LineRangeStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly IReadOnlyList<(long Start, long End)> _ranges;
    private readonly byte[] _buffer;
    private int _offset, _count;     // the unread bytes of _buffer
    private long _position;          // of the next unread byte in inner
    private int _range = -1;         // the range being read
    private bool _inRange, _finishingLine, _ended;

    /// <param name="inner">The whole file's text, from its start; disposed with this stream.</param>
    /// <param name="ranges">Ranges in order, not overlapping.</param>
    /// <param name="bufferSize">Bytes read from <paramref name="inner"/> at a time (tests make it tiny).</param>
    public LineRangeStream(Stream inner, IReadOnlyList<(long Start, long End)> ranges, int bufferSize = 1 << 16)
    {
        _inner = inner;
        _ranges = ranges;
        _buffer = new byte[bufferSize];
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (!_inRange && !StartNextRange()) return 0;
        if (_count == 0 && !Fill()) return 0;
        var available = _buffer.AsSpan(_offset, _count);
        int n;
        if (_finishingLine)
        {
            // Past the range's end: serve the rest of the line that holds its last byte.
            int newline = available.IndexOf((byte)'\n');
            n = Math.Min(buffer.Length, newline >= 0 ? newline + 1 : available.Length);
            if (n == newline + 1) { _inRange = false; _finishingLine = false; }
        }
        else
        {
            long end = _ranges[_range].End;
            n = (int)Math.Min(Math.Min(buffer.Length, available.Length), end - _position);
            // The range ends mid-line unless its last byte is a line end: then the next line is another range's.
            if (_position + n == end)
            {
                if (available[n - 1] == (byte)'\n') _inRange = false;
                else _finishingLine = true;
            }
        }
        available[..n].CopyTo(buffer);
        Consume(n);
        return n;
    }

    /// <summary>Moves to the first line of the next range that holds one; false when none is left.</summary>
    private bool StartNextRange()
    {
        while (!_ended && ++_range < _ranges.Count)
        {
            var (start, end) = _ranges[_range];
            // Reading stops only at a line start, so a range that starts at or before here starts with this line.
            if (_position < start && !SkipLineHolding(start - 1)) return false;
            if (_position < end) { _inRange = true; return true; }
        }
        return false;
    }

    /// <summary>Skips to byte <paramref name="at"/> and through the end of its line, which a range before holds.</summary>
    private bool SkipLineHolding(long at)
    {
        long gap = at - _position;
        if (gap > _count && _inner.CanSeek)
        {
            _inner.Position = at;
            _position = at;
            _offset = _count = 0;
        }
        while (_position < at)
        {
            if (_count == 0 && !Fill()) return false;
            Consume((int)Math.Min(_count, at - _position));
        }
        while (true)
        {
            if (_count == 0 && !Fill()) return false;
            int newline = _buffer.AsSpan(_offset, _count).IndexOf((byte)'\n');
            if (newline >= 0) { Consume(newline + 1); return true; }
            Consume(_count);
        }
    }

    private bool Fill()
    {
        _offset = 0;
        _count = _inner.Read(_buffer);
        if (_count == 0) { _ended = true; _inRange = false; }
        return _count > 0;
    }

    private void Consume(int n)
    {
        _offset += n;
        _count -= n;
        _position += n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
