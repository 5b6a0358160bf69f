using HSoftmax.Corpus;
using HSoftmax.Tree;

namespace HSoftmax.Training;

/// <summary>What continuing a model on new text kept and added.</summary>
/// <param name="OldWords">Words of the model continued.</param>
/// <param name="NewWords">Words of the new text that joined the vocabulary (fresh random input rows).</param>
/// <param name="DroppedWords">Old words that a vocabulary cap (max-vocab) pushed out.</param>
/// <param name="TreeRowsKept">Inner nodes of the new tree whose words are exactly those of an old node, which keep its row.</param>
/// <param name="TreeRows">Inner-node rows of the new tree; 0 when the loss has no tree.</param>
/// <param name="NewTokens">The new text's tokens whose word is in the merged vocabulary: the continued run's words per epoch.</param>
public sealed record ContinuationStats(int OldWords, int NewWords, int DroppedWords, int TreeRowsKept, int TreeRows, long NewTokens);

/// <summary>
/// Continued training on new text, hierarchical softmax included (gensim refuses it for hs=1, fastText
/// has no way to do it): the counts merge, new words get fresh rows, the noise table and the Huffman
/// tree are rebuilt from the merged counts, and every word keeps its input and noise rows.
/// </summary>
/// <remarks>
/// An inner node's row scores "which of my two subtrees", which means something only for the same two
/// sets of words. A Huffman tree rebuilt from the merged counts shares almost none of them with the old
/// one (753 of 59,452 nodes on enwiki halves), so its output layer starts over. So the old tree is kept
/// whole, its trained rows with it, and the new
/// words get a Huffman tree of their own, joined to the old root under a new root (<see cref="HuffmanTree.Graft"/>):
/// old words' codes grow by one bit, new words' codes are Huffman among themselves. Where a vocabulary cap
/// drops old words, the tree is rebuilt instead, and a node keeps the row of the old node that covered
/// exactly the same words (matched by an XOR of the words' 64-bit hashes). Measured: tools/results/continue.md.
/// </remarks>
internal static class ContinuedTraining
{
    /// <param name="from">The model to continue (a checkpoint, finished or not).</param>
    /// <param name="newCounts">Every word of the new text with its count (min-count 1).</param>
    /// <param name="options">The continued run's options: the shape (dim, loss) must be the checkpoint's.</param>
    public static (Vocabulary Vocabulary, Word2VecModel Model, HuffmanTree? Tree, ContinuationStats Stats) Prepare(TrainingCheckpoint from, Vocabulary newCounts, TrainingOptions options)
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

        bool hs = options.UsesTreeOutput, ns = options.UsesWordOutput;
        var model = new Word2VecModel(vocabulary.Count, options.Dim, hs, ns);
        model.Initialise(options.Seed);
        int dim = options.Dim, newWords = 0, carried = 0;
        var oldIdOf = new int[vocabulary.Count];
        for (int i = 0; i < vocabulary.Count; i++)
        {
            int o = oldIdOf[i] = old.IndexOf(vocabulary.GetWordUtf8(i));
            if (o < 0) { newWords++; continue; }
            carried++;
            from.Model.InputArray.AsSpan(o * dim, dim).CopyTo(model.InputArray.AsSpan(i * dim, dim));
            if (ns) from.Model.NoiseOutputArray.AsSpan(o * dim, dim).CopyTo(model.NoiseOutputArray.AsSpan(i * dim, dim));
        }
        int treeKept = 0, treeRows = hs ? Math.Max(0, vocabulary.Count - 1) : 0;
        HuffmanTree? tree = null;
        if (hs && carried == old.Count)
        {
            // Every old word stayed: keep the old tree whole and graft the new words beside it.
            tree = HuffmanTree.Graft(from.Tree ?? HuffmanTree.Build(old.Counts), oldIdOf, vocabulary.Counts, out int[] oldInnerOf);
            for (int j = 0; j < oldInnerOf.Length; j++)
            {
                if (oldInnerOf[j] < 0) continue;
                from.Model.TreeOutputArray.AsSpan(oldInnerOf[j] * dim, dim).CopyTo(model.TreeOutputArray.AsSpan(j * dim, dim));
                treeKept++;
            }
        }
        else if (hs && old.Count > 1 && vocabulary.Count > 1)
        {
            // A vocabulary cap pushed old words out: a tree rebuilt from the merged counts, rows kept where a node's words are unchanged.
            var oldNodes = new Dictionary<ulong, int>();
            var oldHashes = NodeWordSets(HuffmanTree.Build(old.Counts), old);
            for (int j = 0; j < oldHashes.Length; j++) oldNodes.TryAdd(oldHashes[j], j);
            var newHashes = NodeWordSets(HuffmanTree.Build(vocabulary.Counts), vocabulary);
            for (int j = 0; j < newHashes.Length; j++)
            {
                if (!oldNodes.TryGetValue(newHashes[j], out int o)) continue;
                from.Model.TreeOutputArray.AsSpan(o * dim, dim).CopyTo(model.TreeOutputArray.AsSpan(j * dim, dim));
                treeKept++;
            }
        }
        long newTokens = 0;
        for (int i = 0; i < newCounts.Count; i++)
            if (vocabulary.IndexOf(newCounts.GetWordUtf8(i)) >= 0) newTokens += newCounts.Counts[i];
        return (vocabulary, model, tree, new ContinuationStats(old.Count, newWords, old.Count - carried, treeKept, treeRows, newTokens));
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
