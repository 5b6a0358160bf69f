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
/// </remarks>
public sealed class HuffmanTree
{
    private readonly int[] _offsets;  // word w's path is _nodes[_offsets[w] .. _offsets[w + 1]]
    private readonly int[] _nodes;
    private readonly byte[] _codes;

    private HuffmanTree(int[] offsets, int[] nodes, byte[] codes, int maxDepth, double meanDepth)
    {
        _offsets = offsets;
        _nodes = nodes;
        _codes = codes;
        MaxDepth = maxDepth;
        WeightedMeanDepth = meanDepth;
    }

    /// <summary>Number of leaves (words).</summary>
    public int WordCount => _offsets.Length - 1;

    /// <summary>Number of inner nodes (V - 1, or 0 for a single word).</summary>
    public int InnerNodeCount => Math.Max(0, WordCount - 1);

    /// <summary>The longest code.</summary>
    public int MaxDepth { get; }

    /// <summary>Mean code length weighted by count: the expected number of node updates per predicted word.</summary>
    public double WeightedMeanDepth { get; }

    /// <summary>Inner nodes on word w's path, root first.</summary>
    public ReadOnlySpan<int> GetPath(int word) => _nodes.AsSpan(_offsets[word], _offsets[word + 1] - _offsets[word]);

    /// <summary>Code bits of word w, root first.</summary>
    public ReadOnlySpan<byte> GetCode(int word) => _codes.AsSpan(_offsets[word], _offsets[word + 1] - _offsets[word]);

    public int GetDepth(int word) => _offsets[word + 1] - _offsets[word];

    /// <summary>The flattened arrays, for the hot loop: word w owns entries Offsets[w]..Offsets[w+1]-1.</summary>
    internal (int[] Offsets, int[] Nodes, byte[] Codes) Flattened => (_offsets, _nodes, _codes);

    /// <summary>Builds the tree from counts sorted descending (a <see cref="Corpus.Vocabulary"/>'s order).</summary>
    public static HuffmanTree Build(ReadOnlySpan<long> counts)
    {
        int v = counts.Length;
        if (v == 0) throw new ArgumentException("at least one word is needed", nameof(counts));
        for (int i = 1; i < v; i++)
            if (counts[i] > counts[i - 1])
                throw new ArgumentException($"counts must be sorted descending (index {i})", nameof(counts));

        // Node k < v is leaf k; node v + j is inner node j. weight[] holds both kinds.
        int total = 2 * v - 1;
        var weight = new long[total];
        var parent = new int[total];
        var branch = new byte[total];
        counts.CopyTo(weight);

        int leaf = v - 1;   // next leaf to take, walking from the rarest up
        int inner = v;      // next inner node to take, in creation order
        for (int j = 0; j < v - 1; j++)
        {
            int first = TakeSmallest(weight, ref leaf, ref inner, v + j);
            int second = TakeSmallest(weight, ref leaf, ref inner, v + j);
            weight[v + j] = weight[first] + weight[second];
            parent[first] = v + j;
            parent[second] = v + j;
            branch[second] = 1;
        }

        // Depths first, so codes can be written root-first straight into place.
        var depth = new int[total];
        int root = total - 1;
        for (int node = root - 1; node >= 0; node--) depth[node] = depth[parent[node]] + 1; // parents are created after children
        var offsets = new int[v + 1];
        long sum = 0;
        int maxDepth = 0;
        double weighted = 0, totalCount = 0;
        for (int w = 0; w < v; w++)
        {
            offsets[w] = checked((int)sum);
            sum += depth[w];
            maxDepth = Math.Max(maxDepth, depth[w]);
            weighted += (double)depth[w] * counts[w];
            totalCount += counts[w];
        }
        offsets[v] = checked((int)sum);
        var nodes = new int[sum];
        var codes = new byte[sum];
        for (int w = 0; w < v; w++)
        {
            int d = depth[w];
            int node = w;
            for (int k = d - 1; k >= 0; k--)
            {
                codes[offsets[w] + k] = branch[node];
                node = parent[node];
                nodes[offsets[w] + k] = node - v;
            }
        }
        return new HuffmanTree(offsets, nodes, codes, maxDepth, totalCount > 0 ? weighted / totalCount : 0);
    }

    private static int TakeSmallest(long[] weight, ref int leaf, ref int inner, int innerEnd)
    {
        // Strictly smaller leaf wins; on a tie the inner node is taken, as in word2vec.
        if (leaf >= 0 && (inner >= innerEnd || weight[leaf] < weight[inner]))
            return leaf--;
        return inner++;
    }
}
