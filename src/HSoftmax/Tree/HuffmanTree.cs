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
        _links = Simd.Pinned.Copy<int>(links);  // the CPU engine walks it through a pointer
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

    /// <summary>The length of word w's code: the inner nodes on its path.</summary>
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
        return WithDepths(links, counts);
    }

    /// <summary>
    /// A tree given by its parent links (as <see cref="Links"/> stores them), checked: every parent is an
    /// inner node numbered after its child, the last node is the only root, and each inner node has two
    /// children. <paramref name="counts"/> weight the mean depth.
    /// </summary>
    internal static HuffmanTree FromLinks(int[] links, ReadOnlySpan<long> counts)
    {
        int v = counts.Length;
        if (v == 0 || links.Length != 2 * v - 1) throw new ArgumentException($"a tree of {v} words has {2 * v - 1} links, got {links.Length}");
        var children = new byte[v];
        for (int node = 0; node < links.Length - 1; node++)
        {
            int parent = links[node] >> 1;
            if (links[node] < 0 || parent < v || parent <= node || parent >= links.Length || ++children[parent - v] > 2)
                throw new ArgumentException($"node {node} has no valid parent ({links[node]})");
        }
        if (links[^1] != -1) throw new ArgumentException("the last node is not the root");
        return WithDepths(links, counts);
    }

    /// <summary>The tree of valid links, with its maximum and count-weighted mean depth.</summary>
    private static HuffmanTree WithDepths(int[] links, ReadOnlySpan<long> counts)
    {
        var depth = Depths(links);
        int maxDepth = 0;
        double weighted = 0, total = 0;
        for (int w = 0; w < counts.Length; w++)
        {
            maxDepth = Math.Max(maxDepth, (int)depth[w]);
            weighted += (double)depth[w] * counts[w];
            total += counts[w];
        }
        return new HuffmanTree(counts.Length, links, maxDepth, total > 0 ? weighted / total : 0);
    }

    /// <summary>
    /// Continued training's tree: <paramref name="old"/> kept whole, its leaves renumbered, with a Huffman
    /// tree of the new words grafted beside it under a new root, so every old inner node still separates
    /// the same words and keeps its trained row.
    /// </summary>
    /// <param name="old">The trained tree to keep; every one of its words must stay.</param>
    /// <param name="oldIdOf">For each word of the new vocabulary, its id in the old one, or -1 for a new word.</param>
    /// <param name="counts">The new vocabulary's counts (descending).</param>
    /// <param name="oldInnerOf">For each inner node of the result, the old inner node it is, or -1.</param>
    /// <remarks>Inner nodes are numbered by weight, lightest first, as Build numbers them: a parent always
    /// comes after its children, and the most-written rows (the top of the tree) are the last.</remarks>
    internal static HuffmanTree Graft(HuffmanTree old, int[] oldIdOf, ReadOnlySpan<long> counts, out int[] oldInnerOf)
    {
        int v = counts.Length, vOld = old.WordCount;
        var newIdOfOld = new int[vOld];
        Array.Fill(newIdOfOld, -1);
        var fresh = new List<int>();
        for (int i = 0; i < v; i++)
        {
            if (oldIdOf[i] >= 0) newIdOfOld[oldIdOf[i]] = i;
            else fresh.Add(i);
        }
        if (Array.IndexOf(newIdOfOld, -1) >= 0) throw new ArgumentException("every old word must stay in the vocabulary to graft");

        // Inner nodes as (two children, weight); children are leaves (ids < v) or inner nodes (v + index).
        var kids = new List<(int A, int B)>();
        var from = new List<int>();
        var oldLinks = old.Links;
        var oldKids = new (int A, int B)[Math.Max(0, vOld - 1)];
        for (int node = 0; node < oldLinks.Length - 1; node++)
        {
            int parent = (oldLinks[node] >> 1) - vOld, branch = oldLinks[node] & 1;
            int child = node < vOld ? newIdOfOld[node] : v + (node - vOld);
            oldKids[parent] = branch == 0 ? (child, oldKids[parent].B) : (oldKids[parent].A, child);
        }
        for (int j = 0; j < oldKids.Length; j++) { kids.Add(oldKids[j]); from.Add(j); }
        int oldTop = vOld == 1 ? newIdOfOld[0] : v + (vOld - 2);
        int top = oldTop;
        if (fresh.Count > 0)
        {
            var freshCounts = new long[fresh.Count];
            for (int i = 0; i < fresh.Count; i++) freshCounts[i] = counts[fresh[i]];
            var sub = Build(freshCounts);
            int offset = kids.Count, subV = fresh.Count;
            var subKids = new (int A, int B)[Math.Max(0, subV - 1)];
            for (int node = 0; node < sub.Links.Length - 1; node++)
            {
                int parent = (sub.Links[node] >> 1) - subV, branch = sub.Links[node] & 1;
                int child = node < subV ? fresh[node] : v + offset + (node - subV);
                subKids[parent] = branch == 0 ? (child, subKids[parent].B) : (subKids[parent].A, child);
            }
            for (int j = 0; j < subKids.Length; j++) { kids.Add(subKids[j]); from.Add(-1); }
            int freshTop = subV == 1 ? fresh[0] : v + offset + (subV - 2);
            kids.Add((oldTop, freshTop));
            from.Add(-1);
            top = v + kids.Count - 1;
        }

        // Weights bottom-up (children before parents: old, then grafted, then the new root), then number by weight.
        int inner = kids.Count;
        var weight = new long[inner];
        for (int j = 0; j < inner; j++)
        {
            var (a, b) = kids[j];
            weight[j] = (a < v ? counts[a] : weight[a - v]) + (b < v ? counts[b] : weight[b - v]);
        }
        int[] order = Enumerable.Range(0, inner).OrderBy(j => weight[j]).ThenBy(j => j).ToArray();
        var position = new int[inner];
        for (int p = 0; p < inner; p++) position[order[p]] = p;
        var links = new int[2 * v - 1];
        oldInnerOf = new int[inner];
        for (int j = 0; j < inner; j++)
        {
            int at = v + position[j];
            oldInnerOf[position[j]] = from[j];
            foreach (var (child, branch) in new[] { (kids[j].A, 0), (kids[j].B, 1) })
                links[child < v ? child : v + position[child - v]] = at << 1 | branch;
        }
        links[top < v ? top : v + position[top - v]] = -1;
        return FromLinks(links, counts);
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
