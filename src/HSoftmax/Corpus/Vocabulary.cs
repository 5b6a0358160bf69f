using System.Globalization;
using System.Text;

namespace HSoftmax.Corpus;

/// <summary>
/// The training vocabulary: words sorted by count, descending (ties in order of first appearance in the
/// corpus), each with its exact count. Word id = rank, so id 0 is the most frequent word.
/// </summary>
public sealed class Vocabulary
{
    private readonly Utf8WordTable _words;
    private readonly long[] _counts;

    internal Vocabulary(Utf8WordTable words, long[] counts)
    {
        if (words.Count != counts.Length) throw new ArgumentException("one count per word");
        _words = words;
        _counts = counts;
        for (int i = 0; i < counts.Length; i++) TotalCount += counts[i];
    }

    /// <summary>Builds a vocabulary from words and counts given in the order they should keep (counts descending).</summary>
    public static Vocabulary FromSorted(IEnumerable<(string Word, long Count)> entries)
    {
        var table = new Utf8WordTable();
        var counts = new List<long>();
        long previous = long.MaxValue;
        foreach (var (word, count) in entries)
        {
            if (count > previous) throw new ArgumentException($"counts must be sorted descending: '{word}' {count} after {previous}");
            if (count < 1) throw new ArgumentException($"count of '{word}' must be positive");
            if (string.IsNullOrEmpty(word) || word.AsSpan().IndexOfAny(TokenSeparatorValues) >= 0)
                throw new ArgumentException($"'{word}' is not a word: empty or holds whitespace");
            table.GetOrAdd(Encoding.UTF8.GetBytes(word), out bool added);
            if (!added) throw new ArgumentException($"'{word}' appears twice");
            counts.Add(count);
            previous = count;
        }
        return new Vocabulary(table, counts.ToArray());
    }

    /// <summary>The number of words; ids run from 0 to <c>Count - 1</c>.</summary>
    public int Count => _counts.Length;

    /// <summary>Sum of the counts of all words in the vocabulary (the training words of one epoch).</summary>
    public long TotalCount { get; }

    /// <summary>All counts, indexed by id (descending).</summary>
    public ReadOnlySpan<long> Counts => _counts;

    /// <summary>The word with the given id.</summary>
    public string GetWord(int id) => _words.GetString(id);

    /// <summary>The word table itself, shared with the vectors trained on this vocabulary.</summary>
    internal Utf8WordTable Words => _words;

    /// <summary>The word with the given id, as UTF-8 bytes, without allocating.</summary>
    public ReadOnlySpan<byte> GetWordUtf8(int id) => _words[id];

    /// <summary>The id of a word, or -1.</summary>
    public int IndexOf(string word) => _words.Find(word);

    /// <summary>The id of a word given as UTF-8, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> utf8Word) => _words.Find(utf8Word);

    /// <summary>All words in id order (allocates one string per word).</summary>
    public string[] ToWordArray()
    {
        var words = new string[Count];
        for (int i = 0; i < words.Length; i++) words[i] = GetWord(i);
        return words;
    }

    /// <summary>Writes <c>word count</c> lines, as word2vec's -save-vocab does.</summary>
    public void Save(string path, CancellationToken cancellationToken = default)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BufferedStream(stream, 1 << 16);
            Span<byte> number = stackalloc byte[24];
            for (int id = 0; id < Count; id++)
            {
                writer.Write(_words[id]);
                writer.WriteByte((byte)' ');
                _counts[id].TryFormat(number, out int n, provider: CultureInfo.InvariantCulture);
                writer.Write(number[..n]);
                writer.WriteByte((byte)'\n');
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Reads <c>word count</c> lines (word2vec's -read-vocab format), then applies min-count and the cap.
    /// The file's order is kept for equal counts; the counts must be descending.
    /// </summary>
    public static Vocabulary Load(string path, int minCount = 1, int? maxSize = null)
    {
        var entries = new List<(string, long)>();
        int lineNo = 0;
        long previous = long.MaxValue;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IEnumerator<string> lines;
        try
        {
            lines = File.ReadLines(path, new UTF8Encoding(false, throwOnInvalidBytes: true)).GetEnumerator();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException($"{path}: cannot open: {e.Message}", e);
        }
        using var _ = lines;
        while (true)
        {
            try
            {
                if (!lines.MoveNext()) break;
            }
            catch (DecoderFallbackException e)
            {
                throw new CorpusException($"{path}: invalid UTF-8 near line {lineNo + 1}", e);
            }
            string raw = lines.Current;
            lineNo++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            string[] parts = line.Split(TokenSeparators, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long count) || count < 1)
                throw new CorpusException($"{path}:{lineNo}: expected 'word count', got '{Truncate(line)}'");
            if (count > previous)
                throw new CorpusException($"{path}:{lineNo}: counts must be sorted descending ({count} after {previous})");
            if (!seen.Add(parts[0]))
                throw new CorpusException($"{path}:{lineNo}: word '{Truncate(parts[0])}' appears twice");
            previous = count;
            if (count >= minCount) entries.Add((parts[0], count));
        }
        if (maxSize is int cap && entries.Count > cap) entries.RemoveRange(cap, entries.Count - cap);
        if (entries.Count == 0)
            throw new CorpusException($"{path}: no word with count >= {minCount}");
        return FromSorted(entries);
    }

    /// <summary>What the corpus reader cuts tokens at (ASCII whitespace and NUL), so a word never holds one.</summary>
    private static readonly char[] TokenSeparators = [' ', '\t', '\n', '\r', '\v', '\f', '\0'];
    private static readonly System.Buffers.SearchValues<char> TokenSeparatorValues = System.Buffers.SearchValues.Create(TokenSeparators);

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
