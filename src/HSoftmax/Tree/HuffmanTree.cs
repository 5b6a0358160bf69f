namespace HSoftmax.Tree;

/// <summary>
/// The Huffman tree of hierarchical softmax. Leaves are word ids 0..V-1; inner nodes are numbered
/// 0..V-2 (the rows of the output matrix), and the root is V-2, as in the word2vec tool.
/// </summary>
/// <remarks>
/// Built in linear time from counts sorted descending with two queues (leaves from the rarest up,
/// inner nodes in creation order). On equal weights the inner node is taken first (word2vec's strict
/// '&lt;'), so the tree is deterministic and equal to the word2vec tool's. Codes have no length cap.
/// <para>For word w, <see cref="GetPath"/> gives the inner nodes from the root down and
/// <see cref="GetCode"/> the branch taken at each (0 = first-merged child, 1 = second). The training
/// label at node d is 1 - code[d].</para>
/// <para>Only parent links are stored (4 bytes per node): a table of every word's path would cost
/// V x mean depth entries, 320 MB for a 3-million-word vocabulary. Training walks from the leaf up,
/// and the nodes near the root, which every walk ends in, stay in cache.</para>
/// </remarks>
public sealed class HuffmanTree
{
    // Node k < V is leaf k; node V + j is inner node j. _links[node] = parent << 1 | branch, and -1
    // at the root. Parent and branch share one entry because with millions of words the walk up from
    // a rare leaf misses the cache at every low level: one array is one miss per level, not two.
    private readonly int[] _links;

    private HuffmanTree(int words, int[] links, int maxDepth, double meanDepth)
    {
        WordCount = words;
        _links = links;
        MaxDepth = maxDepth;
        WeightedMeanDepth = meanDepth;
    }

    /// <summary>Number of leaves (words).</summary>
    public int WordCount { get; }

    /// <summary>Number of inner nodes (V - 1, or 0 for a single word).</summary>
    public int InnerNodeCount => Math.Max(0, WordCount - 1);

    /// <summary>The longest code.</summary>
    public int MaxDepth { get; }

    /// <summary>Mean code length weighted by count: the expected number of node updates per predicted word.</summary>
    public double WeightedMeanDepth { get; }

    /// <summary>
    /// Mean code length weighted by <paramref name="weights"/> (one per word): with counts times the
    /// subsampling keep probabilities, the node updates per word that training actually predicts.
    /// </summary>
    public double MeanDepth(ReadOnlySpan<double> weights)
    {
        if (weights.Length != WordCount) throw new ArgumentException($"one weight per word is needed ({WordCount}), got {weights.Length}", nameof(weights));
        var depth = Depths(_links);
        double weighted = 0, total = 0;
        for (int w = 0; w < WordCount; w++) { weighted += depth[w] * weights[w]; total += weights[w]; }
        return total > 0 ? weighted / total : 0;
    }

    /// <summary>Bytes the tree takes: what a hierarchical-softmax model needs beside its matrices.</summary>
    public long SizeInBytes => _links.Length * 4L;

    /// <summary>Inner nodes on word w's path, root first.</summary>
    public int[] GetPath(int word)
    {
        var path = new int[GetDepth(word)];
        int k = path.Length;
        for (int link = _links[word]; link >= 0; link = _links[link >> 1]) path[--k] = (link >> 1) - WordCount;
        return path;
    }

    /// <summary>Code bits of word w, root first.</summary>
    public byte[] GetCode(int word)
    {
        var code = new byte[GetDepth(word)];
        int k = code.Length;
        for (int link = _links[word]; link >= 0; link = _links[link >> 1]) code[--k] = (byte)(link & 1);
        return code;
    }

    public int GetDepth(int word)
    {
        int depth = 0;
        for (int link = _links[word]; link >= 0; link = _links[link >> 1]) depth++;
        return depth;
    }

    /// <summary>
    /// For the hot loop: entry k is (parent of node k) &lt;&lt; 1 | (branch bit of node k), or -1 at the
    /// root (node numbering as above).
    /// </summary>
    internal int[] Links => _links;

    /// <summary>The most words a tree can hold: node ids up to 2V - 2, shifted left by one, fit an int.</summary>
    public const int MaxWords = 1 << 29;

    /// <summary>Builds the tree from counts sorted descending (a <see cref="Corpus.Vocabulary"/>'s order).</summary>
    public static HuffmanTree Build(ReadOnlySpan<long> counts)
    {
        int v = counts.Length;
        if (v == 0) throw new ArgumentException("at least one word is needed", nameof(counts));
        for (int i = 1; i < v; i++)
            if (counts[i] > counts[i - 1])
                throw new ArgumentException($"counts must be sorted descending (index {i})", nameof(counts));

        if (v > MaxWords) throw new ArgumentException($"at most {MaxWords:N0} words fit the tree's links, got {v:N0}", nameof(counts));

        int total = 2 * v - 1;
        var weight = new long[total];
        var links = new int[total];
        counts.CopyTo(weight);

        int leaf = v - 1;   // next leaf to take, walking from the rarest up
        int inner = v;      // next inner node to take, in creation order
        for (int j = 0; j < v - 1; j++)
        {
            int first = TakeSmallest(weight, ref leaf, ref inner, v + j);
            int second = TakeSmallest(weight, ref leaf, ref inner, v + j);
            weight[v + j] = weight[first] + weight[second];
            links[first] = (v + j) << 1;
            links[second] = (v + j) << 1 | 1;
        }
        int root = total - 1;
        links[root] = -1;

        var depth = Depths(links);
        int maxDepth = 0;
        double weighted = 0, totalCount = 0;
        for (int w = 0; w < v; w++)
        {
            maxDepth = Math.Max(maxDepth, (int)depth[w]);
            weighted += (double)depth[w] * counts[w];
            totalCount += counts[w];
        }
        return new HuffmanTree(v, links, maxDepth, totalCount > 0 ? weighted / totalCount : 0);
    }

    /// <summary>Every node's depth (the root's is 0).</summary>
    private static byte[] Depths(int[] links)
    {
        // Parents are created after their children, so one downward sweep from the root gives every depth.
        // A byte suffices: a code of 93 bits already needs Fibonacci counts beyond 2^63.
        var depth = new byte[links.Length];
        for (int node = links.Length - 2; node >= 0; node--) depth[node] = (byte)(depth[links[node] >> 1] + 1);
        return depth;
    }

    private static int TakeSmallest(long[] weight, ref int leaf, ref int inner, int innerEnd)
    {
        // Strictly smaller leaf wins; on a tie the inner node is taken, as in word2vec.
        if (leaf >= 0 && (inner >= innerEnd || weight[leaf] < weight[inner]))
            return leaf--;
        return inner++;
    }
}
