using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using HSoftmax.Corpus;

namespace HSoftmax.Vectors;

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
    /// <summary>Read only the first N words (gensim's limit).</summary>
    public int? Limit { get; init; }
    /// <summary>Replace invalid UTF-8 in words with U+FFFD instead of failing.</summary>
    public bool ReplaceInvalidUtf8 { get; init; }
}

/// <summary>
/// word2vec's text and binary formats, as the word2vec tool, gensim and fastText write and read them.
/// Writing goes through a temporary file renamed into place, so a failure never leaves half a file.
/// </summary>
public static class Word2VecFile
{
    public static void Save(WordVectors vectors, string path, VectorFormat format)
    {
        AtomicFile.Write(path, stream =>
        {
            using var output = new BufferedStream(stream, 1 << 20);
            WriteAscii(output, $"{vectors.Count} {vectors.Dim}\n");
            Span<byte> number = stackalloc byte[32];
            Span<byte> row = format == VectorFormat.Binary ? new byte[vectors.Dim * 4] : default;
            for (int i = 0; i < vectors.Count; i++)
            {
                output.Write(Encoding.UTF8.GetBytes(vectors.GetWord(i)));
                var v = vectors.GetVector(i);
                if (format == VectorFormat.Binary)
                {
                    output.WriteByte((byte)' ');
                    for (int d = 0; d < v.Length; d++) BinaryPrimitives.WriteSingleLittleEndian(row[(4 * d)..], v[d]);
                    output.Write(row);
                }
                else
                {
                    foreach (float x in v)
                    {
                        output.WriteByte((byte)' ');
                        x.TryFormat(number, out int n, default, CultureInfo.InvariantCulture); // shortest round-trip form
                        output.Write(number[..n]);
                    }
                }
                output.WriteByte((byte)'\n');
            }
        });
    }

    public static WordVectors Load(string path, VectorReadOptions? options = null)
    {
        options ??= new VectorReadOptions();
        using Stream stream = CorpusFiles.Open(path);
        using var reader = new RecordReader(stream, path);
        var encoding = new UTF8Encoding(false, throwOnInvalidBytes: !options.ReplaceInvalidUtf8);

        // Header "V D"; files without one (GloVe style) start straight with a record.
        string first = reader.ReadLine() ?? throw new CorpusException($"{path}: empty file");
        string[] head = first.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int count = 0, dim = 0;
        bool hasHeader = head.Length == 2
            && int.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out count)
            && int.TryParse(head[1], NumberStyles.None, CultureInfo.InvariantCulture, out dim);
        List<string> words;
        List<float> values;
        if (!hasHeader)
        {
            if (options.Format == VectorFormat.Binary)
                throw new CorpusException($"{path}:1: binary file needs a 'V D' header, got '{Clip(first)}'");
            dim = head.Length - 1;
            if (dim < 1) throw new CorpusException($"{path}:1: neither a 'V D' header nor a 'word v1 v2 ...' record");
            count = -1;
            words = new List<string>();
            values = new List<float>();
            ParseTextRecord(first, dim, path, 1, words, values);
            return ReadText(reader, path, dim, count, options, words, values, recordBase: 1);
        }
        if (dim < 1) throw new CorpusException($"{path}:1: dimension must be positive, got {dim}");
        int wanted = options.Limit is int limit ? Math.Min(limit, count) : count;
        VectorFormat format = options.Format ?? reader.DetectFormat(dim);
        words = new List<string>(wanted);
        values = new List<float>((int)Math.Min((long)wanted * dim, 1 << 26));
        if (format == VectorFormat.Text)
            return ReadText(reader, path, dim, wanted, options, words, values, recordBase: 0, declared: count);

        var buffer = new byte[4 * dim];
        for (int r = 0; r < wanted; r++)
        {
            byte[] wordBytes = reader.ReadBinaryWord(r);
            string word;
            try { word = encoding.GetString(wordBytes); }
            catch (DecoderFallbackException) { throw new CorpusException($"{path}: record {r + 1}: invalid UTF-8 in word"); }
            int got = reader.ReadBytes(buffer);
            if (got < buffer.Length)
                throw new CorpusException($"{path}: record {r + 1} ('{Clip(word)}'): file ends after {got / 4} of {dim} values (truncated?)");
            words.Add(word);
            for (int d = 0; d < dim; d++)
            {
                float x = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(4 * d));
                if (!float.IsFinite(x)) throw new CorpusException($"{path}: record {r + 1} ('{Clip(word)}'): value {d + 1} is not finite");
                values.Add(x);
            }
        }
        return new WordVectors(words.ToArray(), values.ToArray(), dim);
    }

    private static WordVectors ReadText(RecordReader reader, string path, int dim, int wanted, VectorReadOptions options,
        List<string> words, List<float> values, int recordBase, int declared = -1)
    {
        long line = recordBase + 1;
        while (wanted < 0 || words.Count < wanted)
        {
            string? text = reader.ReadLine();
            if (text is null) break;
            line++;
            if (text.Trim().Length == 0) continue;
            if (options.Limit is int limit && words.Count >= limit) break;
            ParseTextRecord(text, dim, path, line, words, values);
        }
        if (wanted >= 0 && words.Count < wanted)
            throw new CorpusException($"{path}: header says {declared} words, file ends after {words.Count} (truncated?)");
        return new WordVectors(words.ToArray(), values.ToArray(), dim);
    }

    private static void ParseTextRecord(string text, int dim, string path, long line, List<string> words, List<float> values)
    {
        var span = text.AsSpan().TrimEnd();
        int space = span.IndexOf(' ');
        if (space <= 0) throw new CorpusException($"{path}:{line}: expected 'word' and {dim} values, got '{Clip(text)}'");
        string word = span[..space].ToString();
        var rest = span[(space + 1)..];
        int n = 0;
        foreach (var range in rest.Split(' '))
        {
            var token = rest[range];
            if (token.IsEmpty) continue;
            if (n == dim || !float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x))
                throw new CorpusException($"{path}:{line}: record '{Clip(word)}' must have {dim} finite values");
            values.Add(x);
            n++;
        }
        if (n != dim) throw new CorpusException($"{path}:{line}: record '{Clip(word)}' has {n} values, expected {dim}");
        words.Add(word);
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private static void WriteAscii(Stream stream, string s) => stream.Write(Encoding.ASCII.GetBytes(s));

    /// <summary>Byte-level reading of lines (text) and records (binary) from one buffered stream.</summary>
    private sealed class RecordReader : IDisposable
    {
        private readonly Stream _stream;
        private readonly string _path;
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _pos, _len;
        private readonly List<byte> _line = new();

        public RecordReader(Stream stream, string path) { _stream = stream; _path = path; }

        private bool Fill()
        {
            if (_pos < _len) return true;
            try { _len = _stream.Read(_buffer, 0, _buffer.Length); }
            catch (InvalidDataException e) { throw new CorpusException($"{_path}: corrupt gzip data: {e.Message}", e); }
            _pos = 0;
            return _len > 0;
        }

        private int Peek() => Fill() ? _buffer[_pos] : -1;

        public string? ReadLine()
        {
            _line.Clear();
            bool any = false;
            while (Fill())
            {
                any = true;
                byte b = _buffer[_pos++];
                if (b == (byte)'\n') break;
                _line.Add(b);
            }
            if (!any) return null;
            if (_line.Count > 0 && _line[^1] == (byte)'\r') _line.RemoveAt(_line.Count - 1);
            try { return new UTF8Encoding(false, true).GetString(_line.ToArray()); }
            catch (DecoderFallbackException) { return Encoding.UTF8.GetString(_line.ToArray()); }
        }

        /// <summary>Looks at the first record without consuming it: a text record is a line of D numbers after the word.</summary>
        public VectorFormat DetectFormat(int dim)
        {
            // Make sure the first record is in the buffer (records are short; 64 KiB holds one of 8k dims).
            if (!Fill()) return VectorFormat.Text;
            if (_pos > 0) { Array.Copy(_buffer, _pos, _buffer, 0, _len - _pos); _len -= _pos; _pos = 0; }
            while (_len < _buffer.Length)
            {
                int n = _stream.Read(_buffer, _len, _buffer.Length - _len);
                if (n == 0) break;
                _len += n;
            }
            var span = _buffer.AsSpan(0, _len);
            int end = span.IndexOf((byte)'\n');
            if (end < 0) end = span.Length;
            var record = span[..end];
            foreach (byte b in record)
                if (b == 0) return VectorFormat.Binary;
            string text = Encoding.UTF8.GetString(record).TrimEnd('\r', ' ');
            string[] parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != dim + 1) return VectorFormat.Binary;
            for (int i = 1; i < parts.Length; i++)
                if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return VectorFormat.Binary;
            return VectorFormat.Text;
        }

        /// <summary>A binary record's word: bytes up to a space, skipping the newline (or none) left by the last record.</summary>
        public byte[] ReadBinaryWord(int record)
        {
            _line.Clear();
            while (Peek() is (byte)'\n' or (byte)'\r') _pos++;
            while (true)
            {
                int b = Peek();
                if (b < 0) throw new CorpusException($"{_path}: record {record + 1}: file ends inside a word (truncated?)");
                _pos++;
                if (b == ' ') break;
                _line.Add((byte)b);
                if (_line.Count > 1 << 20) throw new CorpusException($"{_path}: record {record + 1}: word of over 1 MB (not a word2vec binary file?)");
            }
            if (_line.Count == 0) throw new CorpusException($"{_path}: record {record + 1}: empty word");
            return _line.ToArray();
        }

        public int ReadBytes(byte[] target)
        {
            int got = 0;
            while (got < target.Length && Fill())
            {
                int n = Math.Min(target.Length - got, _len - _pos);
                Array.Copy(_buffer, _pos, target, got, n);
                _pos += n;
                got += n;
            }
            return got;
        }

        public void Dispose() => _stream.Dispose();
    }
}
