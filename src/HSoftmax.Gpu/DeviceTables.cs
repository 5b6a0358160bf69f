using HSoftmax.Tree;

namespace HSoftmax.Gpu;

/// <summary>The read-only tables the kernel reads, built on the host from the plan.</summary>
internal static class DeviceTables
{
    private const double MaxExp = 6;
    private const int TableSize = 1000;

    /// <summary>The CPU engine's sigmoid table: 1001 entries over [-6, 6] (word2vec's, and the same floats).</summary>
    public static float[] Sigmoid() => Build(x => 1 / (1 + Math.Exp(-x)));
    /// <summary>-log sigmoid(x), the loss of label 1.</summary>
    public static float[] LossPositive() => Build(x => Math.Log(1 + Math.Exp(-x)));
    /// <summary>-log (1 - sigmoid(x)), the loss of label 0.</summary>
    public static float[] LossNegative() => Build(x => Math.Log(1 + Math.Exp(x)));

    private static float[] Build(Func<double, double> fn)
    {
        var table = new float[TableSize + 1];
        for (int i = 0; i <= TableSize; i++) table[i] = (float)fn((i / (double)TableSize * 2 - 1) * MaxExp);
        return table;
    }

    /// <summary>
    /// Every word's Huffman path as one array (node &lt;&lt; 1 | code bit, root first) and where each word's
    /// starts: a warp's lanes read a path in one load instead of climbing parent links one by one.
    /// </summary>
    public static (int[] Start, int[] Links) Paths(HuffmanTree tree)
    {
        var start = new int[tree.WordCount + 1];
        for (int w = 0; w < tree.WordCount; w++) start[w + 1] = checked(start[w] + tree.GetDepth(w));
        var links = new int[start[^1]];
        for (int w = 0; w < tree.WordCount; w++)
        {
            var path = tree.GetPath(w);
            var code = tree.GetCode(w);
            for (int k = 0; k < path.Length; k++) links[start[w] + k] = path[k] << 1 | code[k];
        }
        return (start, links);
    }

    /// <summary>A keep probability as the bound a uniform 32-bit draw must not exceed (the CPU engine's test).</summary>
    public static uint[] KeepThresholds(ReadOnlySpan<double> keep)
    {
        var thresholds = new uint[keep.Length];
        for (int w = 0; w < keep.Length; w++) thresholds[w] = keep[w] >= 1 ? uint.MaxValue : (uint)(keep[w] * 4294967296.0);
        return thresholds;
    }
}
