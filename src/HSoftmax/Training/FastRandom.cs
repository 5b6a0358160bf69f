using System.Runtime.CompilerServices;

namespace HSoftmax.Training;

/// <summary>
/// SplitMix64: a tiny, fast, seedable generator for the hot loop (window sizes, subsampling, negatives).
/// A struct held per thread, so drawing never allocates or locks.
/// </summary>
internal struct FastRandom
{
    private ulong _state;

    public FastRandom(ulong seed) => _state = seed;

    /// <summary>The whole state (a checkpoint keeps it): <c>new FastRandom(r.State)</c> continues where r is.</summary>
    public readonly ulong State => _state;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>Uniform in [0, n) (Lemire's multiply-shift; bias below 2^-32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt(int n) => (int)(((ulong)NextUInt32() * (uint)n) >> 32);

    /// <summary>The bound a uniform 32-bit draw is compared with to take an event of probability <paramref name="p"/>.</summary>
    internal static uint ProbabilityThreshold(double p) => p >= 1 ? uint.MaxValue : (uint)(p * 4294967296.0);

    /// <summary>Uniform in [0, 1) with 24 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float NextFloat() => (NextUInt32() >> 8) * (1f / (1 << 24));
}
