using System.Diagnostics;
using System.Runtime.InteropServices;
using HSoftmax.Simd;
using HSoftmax.Training;

namespace HSoftmax.Benchmarks;

/// <summary>
/// What one row update costs when the row is not in cache, as the matrices grow: the memory floor under
/// the vocabulary-scaling table. Two matrices of V rows (as syn0 and syn1), rows drawn uniformly at
/// random, each updated once (y += a x over one row, as a node update), with the rows prefetched eight
/// updates ahead as the trainer does. One thread per core, as in training.
/// </summary>
public static unsafe class RowFetchTimes
{
    private const int Ahead = 8;
    private const int Rounds = 5;

    public static void Run(int dim, int threads)
    {
        int[] sizes = [10_000, 100_000, 1_000_000, 3_000_000];
        const long updatesPerThread = 8_000_000;
        Console.WriteLine($"Random row updates, dim {dim}, {threads} thread(s), {updatesPerThread:N0} updates per thread, rows prefetched {Ahead} ahead, best of {Rounds} rounds");
        Console.WriteLine();
        Console.WriteLine("| V | two matrices MB | ns per row update | vs V = 10k |");
        Console.WriteLine("|---:|---:|---:|---:|");
        double first = 0;
        foreach (int words in sizes)
        {
            long rows = 2L * words;
            long floats = rows * dim;
            float* matrix = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            try
            {
                new Span<float>(matrix, (int)Math.Min(floats, int.MaxValue)).Fill(0.5f);
                if (floats > int.MaxValue) new Span<float>(matrix + int.MaxValue, (int)(floats - int.MaxValue)).Fill(0.5f);
                Update(matrix, rows, dim, 1, updatesPerThread / 8);  // warm up the code path
                double ns = double.MaxValue;
                for (int round = 0; round < Rounds; round++)  // the best round: other tenants only ever add time
                {
                    var clock = Stopwatch.StartNew();
                    Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                        t => Update(matrix, rows, dim, (ulong)(round * threads + t) + 7, updatesPerThread));
                    ns = Math.Min(ns, clock.Elapsed.TotalNanoseconds / updatesPerThread);
                }
                if (first == 0) first = ns;
                Console.WriteLine($"| {words:N0} | {floats * 4 / 1_000_000:N0} | {ns:F1} | {ns / first:F2}x |");
            }
            finally
            {
                NativeMemory.AlignedFree(matrix);
            }
        }
    }

    private static void Update(float* matrix, long rows, int dim, ulong seed, long updates)
    {
        var random = new FastRandom(seed);
        float* x = stackalloc float[dim];
        for (int i = 0; i < dim; i++) x[i] = 1e-7f;
        long* ring = stackalloc long[Ahead];
        for (int k = 0; k < Ahead; k++) ring[k] = Draw(ref random, rows);
        for (long i = 0; i < updates; i++)
        {
            long next = Draw(ref random, rows);
            Prefetch.Row(matrix + next * dim, dim);
            int slot = (int)(i % Ahead);
            VectorMath.Axpy(1f, x, matrix + ring[slot] * dim, dim);
            ring[slot] = next;
        }
    }

    private static long Draw(ref FastRandom random, long rows) => (long)((random.NextUInt64() >> 32) * (ulong)rows >> 32);
}
