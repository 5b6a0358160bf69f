namespace HSoftmax.Training;

/// <summary>
/// Negative sampling's noise: word w drawn with probability count(w)^e / sum (e = 0.75 in word2vec), as an
/// alias table (Walker's method): pick a column c uniformly, keep it when a uniform 32-bit draw is below
/// <see cref="Thresholds"/>[c], else take <see cref="Aliases"/>[c]. Engines copy the two tables to their device.
/// </summary>
public sealed class NoiseDistribution
{
    internal NoiseDistribution(ReadOnlySpan<long> counts, double exponent)
    {
        Sampler = AliasSampler.ForNegatives(counts, exponent);
        Exponent = exponent;
    }

    /// <summary>count^exponent: word2vec's noise with exponent 0.75, a proposal for sampled softmax.</summary>
    public static NoiseDistribution FromCounts(ReadOnlySpan<long> counts, double exponent) => new(counts, exponent);

    internal AliasSampler Sampler { get; }

    /// <summary>The exponent e of count^e.</summary>
    public double Exponent { get; }
    /// <summary>The number of words, which is also the number of columns.</summary>
    public int Count => Sampler.Count;
    /// <summary>Column c is kept when a uniform 32-bit draw is below this (uint.MaxValue: always).</summary>
    public ReadOnlySpan<uint> Thresholds => Sampler.Threshold;
    /// <summary>The word taken when column c is not kept.</summary>
    public ReadOnlySpan<int> Aliases => Sampler.Alias;
}
