using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using HSoftmax.Corpus;

namespace HSoftmax.Vectors;

/// <summary>The two word2vec vector file formats.</summary>
public enum VectorFormat
{
    /// <summary>Header <c>V D</c>, then one line per word: the word and D numbers, space-separated.</summary>
    Text,
    /// <summary>Header <c>V D\n</c>, then per word: its UTF-8 bytes, a space, D little-endian float32, and a newline.</summary>
    Binary,
}

/// <summary>Options for reading a word2vec-format file.</summary>
public sealed record VectorReadOptions
{
    /// <summary>Text or binary; null detects it from the first record.</summary>
    public VectorFormat? Format { get; init; }
    /// <summary>Read only the first N records (gensim's <c>limit</c>).</summary>
    public int? Limit { get; init; }
    /// <summary>Replace invalid UTF-8 in words with U+FFFD instead of failing (gensim's <c>unicode_errors='replace'</c>).
    /// The word2vec tool cuts words at 100 bytes, which can split a character, so its files may need this.</summary>
    public bool ReplaceInvalidUtf8 { get; init; }
    /// <summary>Whether the file starts with a <c>V D</c> header line. Null detects it: a first line of exactly
    /// two unsigned integers is a header; anything else is the first record of a header-less (GloVe-style) text file.</summary>
    public bool? Header { get; init; }
    /// <summary>Receives one line about what was read but not kept (words that repeat); null to ignore it.</summary>
    public Action<string>? Warning { get; init; }
}

/// <summary>
/// word2vec's text and binary formats, as the word2vec tool, gensim and fastText (<c>.vec</c>) write them.
/// Writing goes through a temporary file renamed into place, so a failure never leaves half a file.
/// </summary>
/// <remarks>
/// Reading accepts: a header or none (text only), CRLF line ends, trailing spaces, tabs between fields,
/// blank lines between text records, a UTF-8 byte-order mark, binary records with or without the newline
/// after each vector (the C tool writes one, gensim 4 and the GoogleNews file do not), gzip-compressed files,
/// and records beyond the header's count (ignored, as the C tool and gensim do). A word that repeats keeps
/// its first vector and the later records are dropped, as in gensim, so row order is first-occurrence order.
/// Anything else (a short or corrupt record, a value that is not a finite number, a file that ends before
/// the header's count) is a <see cref="VectorFileException"/> naming the file and the line or record.
/// </remarks>
public static class Word2VecFile
{
    private const int MaxWordBytes = 1 << 20;

    /// <summary>Writes the vectors atomically (see <see cref="AtomicFile"/>); cancelling leaves any old file as it was.</summary>
    public static void Save(WordVectors vectors, string path, VectorFormat format, CancellationToken cancellationToken = default)
    {
        AtomicFile.Write(path, stream =>
        {
            using var output = new BufferedStream(stream, 1 << 20);
            WriteAscii(output, $"{vectors.Count} {vectors.Dim}\n");
            if (format == VectorFormat.Binary) WriteBinary(vectors, output);
            else WriteText(vectors, output);
        }, cancellationToken);
    }

    private static void WriteBinary(WordVectors vectors, Stream output)
    {
        Span<byte> row = BitConverter.IsLittleEndian ? default : new byte[vectors.Dim * 4];
        for (int i = 0; i < vectors.Count; i++)
        {
            output.Write(vectors.GetWordUtf8(i));
            output.WriteByte((byte)' ');
            var v = vectors.GetVector(i);
            if (BitConverter.IsLittleEndian)
                output.Write(MemoryMarshal.AsBytes(v));
            else
            {
                for (int d = 0; d < v.Length; d++) BinaryPrimitives.WriteSingleLittleEndian(row[(4 * d)..], v[d]);
                output.Write(row);
            }
            output.WriteByte((byte)'\n');
        }
    }

    /// <summary>
    /// Text: formatting floats is the cost, not the disk, so blocks of rows are formatted on all cores
    /// (<see cref="FloatText"/>: exact, round-trip) and written in order.
    /// </summary>
    internal static void WriteText(WordVectors vectors, Stream output)
    {
        const int RowsPerBlock = 1024;
        int blocks = (vectors.Count + RowsPerBlock - 1) / RowsPerBlock;
        int wave = Math.Max(1, Environment.ProcessorCount * 2);
        // Two sets of buffers: one wave is written while the next is formatted.
        var sets = new MemoryStream[2][];
        for (int s = 0; s < 2; s++)
        {
            sets[s] = new MemoryStream[wave];
            for (int i = 0; i < wave; i++) sets[s][i] = new MemoryStream();
        }
        Task Format(int first, MemoryStream[] buffers) => Task.Run(() => Parallel.For(0, Math.Min(wave, blocks - first), b =>
        {
            var buffer = buffers[b];
            buffer.SetLength(0);
            int start = (first + b) * RowsPerBlock;
            FormatRows(vectors, start, Math.Min(vectors.Count, start + RowsPerBlock), buffer);
        }));
        if (blocks == 0) return;
        var pending = Format(0, sets[0]);
        for (int first = 0, set = 0; first < blocks; first += wave, set ^= 1)
        {
            pending.GetAwaiter().GetResult();
            if (first + wave < blocks) pending = Format(first + wave, sets[set ^ 1]);
            int count = Math.Min(wave, blocks - first);
            for (int b = 0; b < count; b++) sets[set][b].WriteTo(output);
        }
    }

    private static void FormatRows(WordVectors vectors, int start, int end, MemoryStream buffer)
    {
        byte[] line = new byte[vectors.Dim * 33 + 1];  // 32 bytes a number at most, a space before each, the newline
        for (int i = start; i < end; i++)
        {
            buffer.Write(vectors.GetWordUtf8(i));
            int n = 0;
            foreach (float x in vectors.GetVector(i))
            {
                line[n++] = (byte)' ';
                n += FloatText.Write(x, line.AsSpan(n, 32));
            }
            line[n++] = (byte)'\n';
            buffer.Write(line, 0, n);
        }
    }

    /// <summary>fastText's .bin starts with its magic number; its .vec beside it is the word2vec text file.</summary>
    private static void RefuseFastTextModel(Stream stream, string path)
    {
        const int FastTextMagic = 793712314;
        if (!stream.CanSeek) return;
        Span<byte> head = stackalloc byte[4];
        int n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (n == 4 && BinaryPrimitives.ReadInt32LittleEndian(head) == FastTextMagic)
            throw new VectorFileException($"{path}: a fastText .bin model, not a word2vec vectors file; load the .vec file fastText writes beside it");
    }

    /// <summary>Reads a text or binary vectors file, plain or gzip (see the remarks for what is accepted).</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">How to read it; null detects the format and the header.</param>
    /// <exception cref="VectorFileException">The file cannot be opened, or is not a vectors file this reader accepts.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="VectorReadOptions.Limit"/> is negative.</exception>
    public static WordVectors Load(string path, VectorReadOptions? options = null)
    {
        options ??= new VectorReadOptions();
        if (options.Limit is < 0) throw new ArgumentOutOfRangeException(nameof(options), "Limit must not be negative");
        using Stream stream = CorpusFiles.Open(path, (message, inner) => inner is null ? new VectorFileException(message) : new VectorFileException(message, inner));
        long fileLength = stream is FileStream file ? file.Length : -1;
        RefuseFastTextModel(stream, path);
        using var reader = new ByteReader(stream, path);
        var state = new LoadState(path, options);
        reader.SkipByteOrderMark();

        if (!reader.TryReadLine(out var firstLine)) throw new VectorFileException($"{path}: empty file");
        var headerText = TrimAsciiWhiteSpace(firstLine);
        bool hasHeader = options.Header ?? LooksLikeHeader(headerText);
        if (!hasHeader)
        {
            if (options.Format == VectorFormat.Binary)
                throw new VectorFileException($"{path}:1: a binary file needs a 'V D' header, got '{Clip(headerText)}'");
            int fields = CountFields(headerText);
            if (fields < 2) throw new VectorFileException($"{path}:1: neither a 'V D' header nor a 'word v1 v2 ...' record: '{Clip(headerText)}'");
            state.Begin(fields - 1, options.Limit ?? int.MaxValue, declared: -1, initialRows: 1 << 12);
            if (state.Wanted > 0) state.ParseTextRecord(headerText, line: 1);
            ReadText(reader, state, firstLine: 2);
            return state.Finish();
        }

        var (count, dim) = ParseHeader(headerText, path);
        int wanted = options.Limit is int limit ? Math.Min(limit, count) : count;
        if ((long)wanted * dim > Array.MaxLength)
            throw new VectorFileException($"{path}:1: {wanted} words x {dim} dims do not fit in one array; read fewer words with a limit");
        VectorFormat format = options.Format ?? reader.DetectFormat(dim);
        // Size the first allocation by what the file can hold, so a corrupt header cannot ask for gigabytes.
        long minRecord = format == VectorFormat.Binary ? 4L * dim + 2 : 2L * dim + 1;
        int initialRows = (int)Math.Min(wanted, fileLength >= 0 ? fileLength / minRecord + 1 : 1 << 16);
        state.Begin(dim, wanted, count, initialRows);
        if (format == VectorFormat.Text) ReadText(reader, state, firstLine: 2);
        else ReadBinary(reader, state);
        return state.Finish();
    }

    private static void ReadText(ByteReader reader, LoadState state, long firstLine)
    {
        long line = firstLine - 1;
        while (state.Records < state.Wanted && reader.TryReadLine(out var text))
        {
            line++;
            var record = TrimAsciiWhiteSpace(text);
            if (record.IsEmpty) continue;
            state.ParseTextRecord(record, line);
        }
        if (state.Declared >= 0 && state.Records < state.Wanted)
            throw new VectorFileException($"{state.Path}: header says {state.Declared} words, file ends after {state.Records} at line {line} (truncated?)");
    }

    private static void ReadBinary(ByteReader reader, LoadState state)
    {
        var bytes = new byte[4 * state.Dim];
        while (state.Records < state.Wanted)
        {
            int record = state.Records + 1;
            // The newline the C tool writes after each vector (gensim 4 writes none); a CR from a Windows copy.
            while (reader.Peek() is '\n' or '\r') reader.Skip(1);
            if (reader.Peek() < 0)
                throw new VectorFileException($"{state.Path}: header says {state.Declared} words, file ends after {state.Records} (truncated?)");
            var word = reader.ReadUntilSpace(MaxWordBytes, out bool found);
            if (!found)
            {
                if (word.Length >= MaxWordBytes)
                    throw new VectorFileException($"{state.Path}: record {record}: no space after {MaxWordBytes} bytes (not a word2vec binary file?)");
                throw new VectorFileException($"{state.Path}: record {record}: file ends inside the word (truncated?)");
            }
            if (word.IsEmpty) throw new VectorFileException($"{state.Path}: record {record}: empty word (corrupt file?)");
            string w = state.DecodeWord(word, $"{state.Path}: record {record}");
            int got = reader.Read(bytes);
            if (got < bytes.Length)
                throw new VectorFileException($"{state.Path}: record {record} ('{Clip(w)}'): file ends after {got / 4} of {state.Dim} values (truncated?)");
            state.AddBinaryRecord(w, bytes, record);
        }
    }

    private static bool LooksLikeHeader(ReadOnlySpan<byte> line)
    {
        int fields = 0;
        foreach (var range in FieldRanges(line))
        {
            if (++fields > 2) return false;
            foreach (byte b in line[range])
                if (b is < (byte)'0' or > (byte)'9') return false;
        }
        return fields == 2;
    }

    private static (int Count, int Dim) ParseHeader(ReadOnlySpan<byte> line, string path)
    {
        var values = new long[2];
        int n = 0;
        foreach (var range in FieldRanges(line))
        {
            if (n == 2 || !long.TryParse(line[range], NumberStyles.None, CultureInfo.InvariantCulture, out values[n]))
                throw new VectorFileException($"{path}:1: expected a 'V D' header (two whole numbers), got '{Clip(line)}'");
            n++;
        }
        if (n != 2) throw new VectorFileException($"{path}:1: expected a 'V D' header (two whole numbers), got '{Clip(line)}'");
        if (values[0] > int.MaxValue) throw new VectorFileException($"{path}:1: header word count {values[0]} is too large");
        if (values[1] < 1 || values[1] > Array.MaxLength / 4)
            throw new VectorFileException($"{path}:1: header dimension {values[1]} is not usable (must be 1..{Array.MaxLength / 4})");
        return ((int)values[0], (int)values[1]);
    }

    private static int CountFields(ReadOnlySpan<byte> line)
    {
        int n = 0;
        foreach (var _ in FieldRanges(line)) n++;
        return n;
    }

    private static bool IsSeparator(byte b) => b is (byte)' ' or (byte)'\t';

    private static ReadOnlySpan<byte> TrimAsciiWhiteSpace(ReadOnlySpan<byte> s)
    {
        int a = 0, b = s.Length;
        while (a < b && s[a] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') a++;
        while (b > a && s[b - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') b--;
        return s[a..b];
    }

    /// <summary>The space- or tab-separated fields of a line.</summary>
    private static FieldEnumerator FieldRanges(ReadOnlySpan<byte> line) => new(line);

    private ref struct FieldEnumerator
    {
        private readonly ReadOnlySpan<byte> _line;
        private int _pos;
        public FieldEnumerator(ReadOnlySpan<byte> line) { _line = line; _pos = 0; Current = default; }
        public Range Current { get; private set; }
        public readonly FieldEnumerator GetEnumerator() => this;
        public bool MoveNext()
        {
            while (_pos < _line.Length && IsSeparator(_line[_pos])) _pos++;
            if (_pos == _line.Length) return false;
            int start = _pos;
            while (_pos < _line.Length && !IsSeparator(_line[_pos])) _pos++;
            Current = start.._pos;
            return true;
        }
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private static string Clip(ReadOnlySpan<byte> s) => Clip(Encoding.UTF8.GetString(s[..Math.Min(s.Length, 160)]));

    private static void WriteAscii(Stream stream, string s) => stream.Write(Encoding.ASCII.GetBytes(s));

    /// <summary>The words and rows read so far, with duplicate words dropped.</summary>
    private sealed class LoadState
    {
        private readonly UTF8Encoding _encoding;
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly Action<string>? _warning;
        private List<string> _words = new();
        private int _repeated;
        private string? _firstRepeated;
        private float[] _data = [];
        private int _rows;

        public LoadState(string path, VectorReadOptions options)
        {
            Path = path;
            _warning = options.Warning;
            _encoding = new UTF8Encoding(false, throwOnInvalidBytes: !options.ReplaceInvalidUtf8);
        }

        public string Path { get; }
        public int Dim { get; private set; }
        public int Wanted { get; private set; }
        public int Declared { get; private set; }
        /// <summary>Records read, duplicates included (what a limit counts).</summary>
        public int Records { get; private set; }

        public void Begin(int dim, int wanted, int declared, int initialRows)
        {
            Dim = dim;
            Wanted = wanted;
            Declared = declared;
            initialRows = Math.Max(1, Math.Min(initialRows, Math.Min(wanted, Array.MaxLength / dim)));
            _data = new float[(long)initialRows * dim];
            _words = new List<string>(initialRows);
        }

        public string DecodeWord(ReadOnlySpan<byte> bytes, string where)
        {
            try { return _encoding.GetString(bytes); }
            catch (DecoderFallbackException)
            {
                throw new VectorFileException($"{where}: invalid UTF-8 in word '{Clip(Encoding.UTF8.GetString(bytes))}' (read with ReplaceInvalidUtf8 to replace it)");
            }
        }

        public void ParseTextRecord(ReadOnlySpan<byte> record, long line)
        {
            Records++;
            var fields = FieldRanges(record);
            fields.MoveNext();
            string word = DecodeWord(record[fields.Current], $"{Path}:{line}");
            Span<float> row = NextRow();
            int n = 0;
            while (fields.MoveNext())
            {
                var token = record[fields.Current];
                if (n == Dim)
                    throw new VectorFileException($"{Path}:{line}: record '{Clip(word)}' has more than {Dim} values");
                if (!float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x))
                    throw new VectorFileException($"{Path}:{line}: record '{Clip(word)}': value {n + 1} '{Clip(token)}' is not a finite number");
                row[n++] = x;
            }
            if (n != Dim) throw new VectorFileException($"{Path}:{line}: record '{Clip(word)}' has {n} values, expected {Dim} (truncated?)");
            Commit(word);
        }

        public void AddBinaryRecord(string word, byte[] bytes, int record)
        {
            Records++;
            Span<float> row = NextRow();
            if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(bytes).CopyTo(row);
            else for (int d = 0; d < Dim; d++) row[d] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * d));
            for (int d = 0; d < Dim; d++)
                if (!float.IsFinite(row[d]))
                    throw new VectorFileException($"{Path}: record {record} ('{Clip(word)}'): value {d + 1} is not finite (corrupt file?)");
            Commit(word);
        }

        private Span<float> NextRow()
        {
            long need = (long)(_rows + 1) * Dim;
            if (need > _data.Length)
            {
                long grown = Math.Min(Math.Max(need, 2L * _data.Length), (long)Math.Min(Wanted, Array.MaxLength / Dim) * Dim);
                if (grown < need) throw new VectorFileException($"{Path}: more than {Array.MaxLength / Dim} words of {Dim} dims do not fit in one array; read fewer with a limit");
                Array.Resize(ref _data, (int)grown);
            }
            return _data.AsSpan(_rows * Dim, Dim);
        }

        private void Commit(string word)
        {
            if (!_seen.Add(word))
            {
                // A repeated word keeps its first vector (gensim does the same); the reader is told.
                _repeated++;
                _firstRepeated ??= word;
                return;
            }
            _words.Add(word);
            _rows++;
        }

        public WordVectors Finish()
        {
            if (_repeated > 0)
                _warning?.Invoke($"{Path}: {_repeated:N0} record(s) repeat a word read before (the first: '{_firstRepeated}'); each word keeps its first vector, as in gensim");
            long used = (long)_rows * Dim;
            if (used != _data.Length) Array.Resize(ref _data, (int)used);
            return new WordVectors(_words.ToArray(), _data, Dim);
        }
    }

    /// <summary>Buffered byte-level reading of lines (text) and records (binary) from one stream.</summary>
    private sealed class ByteReader : IDisposable
    {
        private const int MaxLine = 1 << 28;
        private readonly Stream _stream;
        private readonly string _path;
        private byte[] _buffer = new byte[1 << 16];
        private int _pos, _len;
        private bool _eof;

        public ByteReader(Stream stream, string path) { _stream = stream; _path = path; }

        /// <summary>Makes at least <paramref name="need"/> unread bytes available if the file has them; false at the end.</summary>
        private bool Ensure(int need)
        {
            if (_len - _pos >= need) return true;
            if (_eof) return false;
            if (_pos > 0)
            {
                Buffer.BlockCopy(_buffer, _pos, _buffer, 0, _len - _pos);
                _len -= _pos;
                _pos = 0;
            }
            if (need > _buffer.Length) Array.Resize(ref _buffer, Math.Max(need, (int)Math.Min(2L * _buffer.Length, Array.MaxLength)));
            while (_len < need && !_eof)
            {
                int n;
                try { n = _stream.Read(_buffer, _len, _buffer.Length - _len); }
                catch (InvalidDataException e) { throw new VectorFileException($"{_path}: corrupt gzip data: {e.Message}", e); }
                catch (IOException e) { throw new VectorFileException($"{_path}: read error: {e.Message}", e); }
                if (n == 0) _eof = true;
                _len += n;
            }
            return _len - _pos >= need;
        }

        public void SkipByteOrderMark()
        {
            if (Ensure(3) && _buffer[_pos] == 0xEF && _buffer[_pos + 1] == 0xBB && _buffer[_pos + 2] == 0xBF) _pos += 3;
        }

        public int Peek() => Ensure(1) ? _buffer[_pos] : -1;

        public void Skip(int n) => _pos += n;

        /// <summary>The next line without its '\n' (a '\r' before it stays; callers trim). Valid until the next read.</summary>
        public bool TryReadLine(out ReadOnlySpan<byte> line)
        {
            int searched = 0;
            while (true)
            {
                int nl = _buffer.AsSpan(_pos + searched, _len - _pos - searched).IndexOf((byte)'\n');
                if (nl >= 0)
                {
                    line = _buffer.AsSpan(_pos, searched + nl);
                    _pos += searched + nl + 1;
                    return true;
                }
                searched = _len - _pos;
                if (searched >= MaxLine) throw new VectorFileException($"{_path}: a line longer than {MaxLine >> 20} MB (not a word2vec text file?)");
                if (!Ensure(searched + 1))
                {
                    line = _buffer.AsSpan(_pos, _len - _pos);
                    _pos = _len;
                    return !line.IsEmpty;
                }
            }
        }

        /// <summary>Bytes up to the next space, which is consumed; <paramref name="found"/> is false at the end of the file or past <paramref name="max"/> bytes.</summary>
        public ReadOnlySpan<byte> ReadUntilSpace(int max, out bool found)
        {
            int searched = 0;
            while (true)
            {
                int sp = _buffer.AsSpan(_pos + searched, _len - _pos - searched).IndexOf((byte)' ');
                if (sp >= 0)
                {
                    var word = _buffer.AsSpan(_pos, searched + sp);
                    _pos += searched + sp + 1;
                    found = true;
                    return word;
                }
                searched = _len - _pos;
                if (searched >= max || !Ensure(searched + 1))
                {
                    found = false;
                    return _buffer.AsSpan(_pos, _len - _pos);
                }
            }
        }

        public int Read(Span<byte> target)
        {
            Ensure(target.Length);
            int n = Math.Min(target.Length, _len - _pos);
            _buffer.AsSpan(_pos, n).CopyTo(target);
            _pos += n;
            return n;
        }

        /// <summary>
        /// Looks at the first record without consuming it: text when its line is a word followed by numbers
        /// (at least half of <paramref name="dim"/> of them, so that a text record with a wrong count is still
        /// read, and reported, as text); binary otherwise. Raw float32 bytes practically never form such a
        /// line: a newline byte among them ends the "line" after a few bytes that are not numbers.
        /// </summary>
        public VectorFormat DetectFormat(int dim)
        {
            int want = (int)Math.Min(Math.Max(1 << 16, 64L + 32L * dim), 1 << 26);
            Ensure(want);
            var span = TrimLeadingNewlines(_buffer.AsSpan(_pos, _len - _pos));
            if (span.IsEmpty) return VectorFormat.Text;
            int nl = span.IndexOf((byte)'\n');
            var record = TrimAsciiWhiteSpace(nl >= 0 ? span[..nl] : span);
            if (nl < 0 && !_eof)
            {
                // No line end in a large window: text only if everything after the word is number characters.
                int sep = record.IndexOfAny((byte)' ', (byte)'\t');
                if (sep < 0) return VectorFormat.Binary;
                foreach (byte b in record[sep..])
                    if (!(b is (byte)' ' or (byte)'\t' or (byte)'.' or (byte)'-' or (byte)'+' or (byte)'e' or (byte)'E' or (>= (byte)'0' and <= (byte)'9')))
                        return VectorFormat.Binary;
                return VectorFormat.Text;
            }
            int values = -1;
            foreach (var range in FieldRanges(record))
            {
                if (values++ >= 0 && !float.TryParse(record[range], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    return VectorFormat.Binary;
            }
            return values >= Math.Max(1, dim / 2) ? VectorFormat.Text : VectorFormat.Binary;
        }

        private static ReadOnlySpan<byte> TrimLeadingNewlines(ReadOnlySpan<byte> s)
        {
            int i = 0;
            while (i < s.Length && s[i] is (byte)'\n' or (byte)'\r') i++;
            return s[i..];
        }

        public void Dispose() => _stream.Dispose();
    }
}
