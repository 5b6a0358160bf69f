
namespace HSoftmax.Corpus;

/// <summary>What the counting pass saw, beside the vocabulary it kept.</summary>
/// <param name="CorpusTokens">Tokens read, over-long tokens not included.</param>
/// <param name="Sentences">Sentences read (lines, and the pieces of cut lines).</param>
/// <param name="DistinctWords">Distinct words seen, before min-count and the cap.</param>
/// <param name="KeptWords">Words kept in the vocabulary.</param>
/// <param name="KeptTokens">Tokens of the kept words: the sum of their counts.</param>
/// <param name="SkippedLongTokens">Tokens skipped for being longer than <see cref="CorpusOptions.MaxTokenBytes"/>.</param>
public sealed record VocabularyStats(
    long CorpusTokens,
    long Sentences,
    int DistinctWords,
    int KeptWords,
    long KeptTokens,
    long SkippedLongTokens);

/// <summary>
/// Counts every word of a corpus exactly (no pruning during the scan), then applies min-count and the
/// vocabulary cap, and sorts by count descending with ties in order of first appearance.
/// </summary>
public static class VocabularyBuilder
{
    /// <summary>Reads the corpus once and builds its vocabulary.</summary>
    /// <param name="corpus">The corpus to count.</param>
    /// <param name="minCount">Words seen fewer times are dropped; at least 1.</param>
    /// <param name="maxSize">The most words kept, the most frequent first; null for no cap.</param>
    /// <param name="stats">What the pass saw.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    /// <exception cref="CorpusException">The corpus holds no words, or none occurs <paramref name="minCount"/> times.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minCount"/> or <paramref name="maxSize"/> is below 1.</exception>
    public static Vocabulary Build(CorpusReader corpus, int minCount, int? maxSize, out VocabularyStats stats,
        CancellationToken cancellationToken = default)
    {
        if (minCount < 1) throw new ArgumentOutOfRangeException(nameof(minCount), "min-count must be at least 1");
        if (maxSize is < 1) throw new ArgumentOutOfRangeException(nameof(maxSize), "max-vocab must be at least 1");

        var sink = new CountingSink(new Utf8WordTable(1 << 16));
        corpus.Read(ref sink, cancellationToken);
        Utf8WordTable all = sink.Table;
        long[] counts = sink.Counts;

        if (sink.Tokens == 0)
            throw new CorpusException($"{Describe(corpus)}: corpus holds no words");

        // Ids are in first-appearance order, so a stable sort by count gives the documented tie-break.
        var kept = new List<int>();
        for (int id = 0; id < all.Count; id++)
            if (counts[id] >= minCount) kept.Add(id);
        if (kept.Count == 0)
            throw new CorpusException($"{Describe(corpus)}: no word occurs at least {minCount} times (min-count); {all.Count} distinct words, the most frequent {counts.AsSpan(0, all.Count).ToArray().Max()} times");
        int[] order = kept.ToArray();
        // Array.Sort is not stable; sort by (-count, id) instead, which is the same order.
        Array.Sort(order, (a, b) => counts[a] != counts[b] ? counts[b].CompareTo(counts[a]) : a.CompareTo(b));
        int size = maxSize is int cap ? Math.Min(cap, order.Length) : order.Length;

        var table = new Utf8WordTable(size);
        var sortedCounts = new long[size];
        long keptTokens = 0;
        for (int i = 0; i < size; i++)
        {
            table.GetOrAdd(all[order[i]], out _);
            sortedCounts[i] = counts[order[i]];
            keptTokens += sortedCounts[i];
        }
        stats = new VocabularyStats(sink.Tokens, sink.Sentences, all.Count, size, keptTokens, corpus.SkippedLongTokens);
        return new Vocabulary(table, sortedCounts);
    }

    private static string Describe(CorpusReader corpus) =>
        corpus.Files.Count == 1 ? corpus.Files[0] : $"{corpus.Files[0]} (+{corpus.Files.Count - 1} more files)";

    private struct CountingSink : ITokenSink
    {
        public readonly Utf8WordTable Table;
        public long[] Counts;
        public long Tokens;
        public long Sentences;

        public CountingSink(Utf8WordTable table)
        {
            Table = table;
            Counts = new long[1 << 16];
            Tokens = 0;
            Sentences = 0;
        }

        public void Token(ReadOnlySpan<byte> token)
        {
            int id = Table.GetOrAdd(token, out _);
            if (id >= Counts.Length) Array.Resize(ref Counts, Counts.Length * 2);
            Counts[id]++;
            Tokens++;
        }

        public void EndOfSentence() => Sentences++;
    }
}
