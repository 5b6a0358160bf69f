namespace HSoftmax.Training;

/// <summary>
/// Draws word ids from a fixed distribution in O(1) with Walker's alias method: two arrays of V entries
/// instead of word2vec's 1e8-entry table (400 MB) or gensim's binary search.
/// </summary>
internal sealed class AliasSampler
{
    internal readonly uint[] Threshold;  // keep column i when the low 32 random bits are below this
    internal readonly int[] Alias;

    public AliasSampler(ReadOnlySpan<double> weights)
    {
        int n = weights.Length;
        if (n == 0) throw new ArgumentException("no weights", nameof(weights));
        double sum = 0;
        foreach (double w in weights)
        {
            if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentException("weights must be finite and non-negative", nameof(weights));
            sum += w;
        }
        if (sum <= 0) throw new ArgumentException("weights sum to zero", nameof(weights));

        var scaled = new double[n];
        for (int i = 0; i < n; i++) scaled[i] = weights[i] * n / sum;
        // Pinned: the CPU engine draws through pointers into them.
        Threshold = Simd.Pinned.Allocate<uint>(n);
        Alias = Simd.Pinned.Allocate<int>(n);
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (int i = n - 1; i >= 0; i--) (scaled[i] < 1 ? small : large).Push(i);
        while (small.Count > 0 && large.Count > 0)
        {
            int s = small.Pop(), l = large.Pop();
            Threshold[s] = FastRandom.ProbabilityThreshold(scaled[s]);
            Alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1;
            (scaled[l] < 1 ? small : large).Push(l);
        }
        while (large.Count > 0) { int l = large.Pop(); Threshold[l] = uint.MaxValue; Alias[l] = l; }
        while (small.Count > 0) { int s = small.Pop(); Threshold[s] = uint.MaxValue; Alias[s] = s; } // rounding leftovers
    }

    /// <summary>Noise distribution for negative sampling: count^exponent (0.75 in word2vec).</summary>
    public static AliasSampler ForNegatives(ReadOnlySpan<long> counts, double exponent)
    {
        var w = new double[counts.Length];
        for (int i = 0; i < w.Length; i++) w[i] = Math.Pow(counts[i], exponent);
        return new AliasSampler(w);
    }

    public int Count => Threshold.Length;

    public int Sample(ref FastRandom random)
    {
        ulong r = random.NextUInt64();
        int column = (int)(((r >> 32) * (ulong)Threshold.Length) >> 32);
        return (uint)r < Threshold[column] ? column : Alias[column];
    }

}
