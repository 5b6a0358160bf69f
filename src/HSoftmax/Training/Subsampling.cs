namespace HSoftmax.Training;

/// <summary>word2vec's subsampling of frequent words.</summary>
internal static class Subsampling
{
    /// <summary>Probability of keeping one occurrence of a word of frequency f = count/total: sqrt(t/f) + t/f, at most 1.</summary>
    public static double KeepProbability(long count, long total, double sample)
    {
        if (sample <= 0) return 1;
        double ratio = sample * total / count;  // t / f
        return Math.Min(1, Math.Sqrt(ratio) + ratio);
    }

    /// <summary>The keep probability of every word of a vocabulary's counts.</summary>
    internal static double[] KeepProbabilities(ReadOnlySpan<long> counts, double sample)
    {
        long total = 0;
        foreach (long c in counts) total += c;
        var result = new double[counts.Length];
        for (int i = 0; i < counts.Length; i++) result[i] = KeepProbability(counts[i], total, sample);
        return result;
    }
}
