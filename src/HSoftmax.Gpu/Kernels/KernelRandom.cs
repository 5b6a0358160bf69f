namespace HSoftmax.Gpu.Kernels;

/// <summary>
/// The kernels' random numbers: SplitMix64, the generator the CPU engine's FastRandom runs, so a test can
/// replay one centre word's draws through the CPU engine's step. Each centre word starts its own stream
/// from (seed, epoch, its place in the epoch): the draws do not depend on which warp takes the word or when.
/// </summary>
internal static class KernelRandom
{
    /// <summary>The state a centre word's draws start from.</summary>
    public static ulong ForToken(ulong seed, long token) => Mix(seed ^ Mix((ulong)token + 0x632BE59BD9B4E019UL));

    /// <summary>The next 64 random bits (SplitMix64's step).</summary>
    public static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>Uniform in [0, n), as FastRandom.NextInt: the high 32 bits times n, shifted.</summary>
    public static int NextInt(ref ulong state, int n) => (int)(((Next(ref state) >> 32) * (ulong)(uint)n) >> 32);

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
