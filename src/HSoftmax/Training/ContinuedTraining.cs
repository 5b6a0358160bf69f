using HSoftmax.Corpus;
using HSoftmax.Tree;

namespace HSoftmax.Training;

/// <summary>What continuing a model on new text kept and added.</summary>
/// <param name="NewWords">Words of the new text that joined the vocabulary (fresh random input rows).</param>
/// <param name="DroppedWords">Old words that a vocabulary cap (max-vocab) pushed out.</param>
/// <param name="TreeRowsKept">Inner nodes of the new tree whose words are exactly those of an old node, which keep its row.</param>
public sealed record ContinuationStats(int OldWords, int NewWords, int DroppedWords, int TreeRowsKept, int TreeRows);

/// <summary>
/// Continued training on new text, hierarchical softmax included (gensim refuses it for hs=1, fastText
/// has no way to do it): the counts merge, new words get fresh rows, the noise table and the Huffman
/// tree are rebuilt from the merged counts, and every word keeps its input and noise rows.
/// </summary>
/// <remarks>
/// The rebuilt tree's inner nodes are new nodes: an inner node's row scores "which of my two subtrees",
/// which means something only for the same two sets of words. So a node keeps the row of the old node
/// that covered exactly the same words (usually the many small subtrees of rare words that the new text
/// left alone), and the rest start at zero, as a fresh run's do. Matching is by the set of words under a
/// node (an XOR of the words' 64-bit hashes, built bottom-up), so it costs O(V x depth) and no path table.
/// Measured on enwiki2015 halves: tools/results/continue.md.
/// </remarks>
public static class ContinuedTraining
{
    /// <param name="from">The model to continue (a checkpoint, finished or not).</param>
    /// <param name="newCounts">Every word of the new text with its count (min-count 1).</param>
    /// <param name="options">The continued run's options: the shape (dim, loss) must be the checkpoint's.</param>
    public static (Vocabulary Vocabulary, Word2VecModel Model, ContinuationStats Stats) Prepare(TrainingCheckpoint from, Vocabulary newCounts, TrainingOptions options)
    {
        var old = from.Vocabulary;
        if (options.Dim != from.Model.Dim || options.Loss != from.Options.Loss)
            throw new ArgumentException("a continued run keeps the model's dimension and loss");

        // Merged counts: old words in their old order first, then new words in order of first appearance.
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var order = new List<string>(old.Count + newCounts.Count);
        for (int i = 0; i < old.Count; i++) { string w = old.GetWord(i); counts[w] = old.Counts[i]; order.Add(w); }
        for (int i = 0; i < newCounts.Count; i++)
        {
            string w = newCounts.GetWord(i);
            if (counts.TryGetValue(w, out long c)) counts[w] = c + newCounts.Counts[i];
            else { counts[w] = newCounts.Counts[i]; order.Add(w); }
        }
        var rank = new Dictionary<string, int>(order.Count, StringComparer.Ordinal);
        for (int i = 0; i < order.Count; i++) rank[order[i]] = i;
        var kept = order.Where(w => counts[w] >= options.MinCount || old.IndexOf(w) >= 0)
            .OrderByDescending(w => counts[w]).ThenBy(w => rank[w]);
        var entries = (options.MaxVocab is int cap ? kept.Take(cap) : kept).Select(w => (w, counts[w])).ToList();
        var vocabulary = Vocabulary.FromSorted(entries);

        bool hs = options.Loss.HasFlag(LossKind.HierarchicalSoftmax), ns = options.Loss.HasFlag(LossKind.NegativeSampling);
        var model = new Word2VecModel(vocabulary.Count, options.Dim, hs, ns);
        model.Initialise(options.Seed);
        int dim = options.Dim, newWords = 0, carried = 0;
        for (int i = 0; i < vocabulary.Count; i++)
        {
            int o = old.IndexOf(vocabulary.GetWordUtf8(i));
            if (o < 0) { newWords++; continue; }
            carried++;
            from.Model.Input.AsSpan(o * dim, dim).CopyTo(model.Input.AsSpan(i * dim, dim));
            if (ns) from.Model.NoiseOutput.AsSpan(o * dim, dim).CopyTo(model.NoiseOutput.AsSpan(i * dim, dim));
        }
        int treeKept = 0, treeRows = hs ? Math.Max(0, vocabulary.Count - 1) : 0;
        if (hs && old.Count > 1 && vocabulary.Count > 1)
        {
            var oldNodes = new Dictionary<ulong, int>();
            var oldHashes = NodeWordSets(HuffmanTree.Build(old.Counts), old);
            for (int j = 0; j < oldHashes.Length; j++) oldNodes.TryAdd(oldHashes[j], j);
            var newHashes = NodeWordSets(HuffmanTree.Build(vocabulary.Counts), vocabulary);
            for (int j = 0; j < newHashes.Length; j++)
            {
                if (!oldNodes.TryGetValue(newHashes[j], out int o)) continue;
                from.Model.TreeOutput.AsSpan(o * dim, dim).CopyTo(model.TreeOutput.AsSpan(j * dim, dim));
                treeKept++;
            }
        }
        return (vocabulary, model, new ContinuationStats(old.Count, newWords, old.Count - carried, treeKept, treeRows));
    }

    /// <summary>For each inner node, a hash of the set of words below it (XOR of the words' hashes).</summary>
    private static ulong[] NodeWordSets(HuffmanTree tree, Vocabulary vocabulary)
    {
        int words = tree.WordCount;
        var links = tree.Links;
        var sets = new ulong[tree.InnerNodeCount];
        for (int w = 0; w < words; w++)
        {
            ulong h = WordHash(vocabulary.GetWordUtf8(w));
            for (int node = w; links[node] != -1;)
            {
                int parent = links[node] >> 1;
                sets[parent - words] ^= h;
                node = parent;
            }
        }
        return sets;
    }

    /// <summary>FNV-1a, then a SplitMix64 finaliser so that XORs of many words stay well spread.</summary>
    private static ulong WordHash(ReadOnlySpan<byte> utf8)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in utf8) h = (h ^ b) * 1099511628211UL;
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
        return h ^ (h >> 31);
    }
}
