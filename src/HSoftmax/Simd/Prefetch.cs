using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace HSoftmax.Simd;

/// <summary>
/// Software prefetch of matrix rows. With millions of words the rows a step touches are cache misses;
/// asked for together before the first use, their loads overlap instead of queueing one after another.
/// </summary>
internal static unsafe class Prefetch
{
    /// <summary>Every cache line of one row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Row(float* row, int dim)
    {
        if (!Sse.IsSupported) return;
        for (int offset = 0; offset < dim * sizeof(float); offset += 64) Sse.Prefetch0((byte*)row + offset);
    }

    /// <summary>The rows of <paramref name="words"/>[start..end) in a row-major matrix (a context window).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows(float* matrix, int dim, int* words, int start, int end)
    {
        for (int j = start; j < end; j++) Row(matrix + (long)words[j] * dim, dim);
    }
}
