using System.Diagnostics;
using System.Runtime.InteropServices;
using HSoftmax.Training;

namespace HSoftmax.Benchmarks;

/// <summary>
/// What merging a thread's hot rows costs (<see cref="HotRowCache.Merge"/>), alone and with other threads
/// merging the same rows back to back: the worst case, since in training each thread merges once per
/// 10,000 words. Per merge, per stripe lock held, and per corpus word at that interval.
/// </summary>
public static unsafe class HotRowMergeTimes
{
    private const int MergeWords = 10_000;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(1);

    public static void Run(int dim, int[] threadCounts)
    {
        Console.WriteLine($"Hot-row merges, dim {dim}: every thread merges back to back for {Duration.TotalSeconds:F0} s; best of 3");
        Console.WriteLine();
        Console.WriteLine("| rows | threads | merges/s, all threads | merges/s per thread | us per merge | us per stripe (lock held) | ns per word at 1 merge per 10k words |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int rows in new[] { SharedHotRows.TreeRows, SharedHotRows.NoiseRows })
        {
            foreach (int threads in threadCounts)
            {
                float* matrix = (float*)NativeMemory.AlignedAlloc((nuint)rows * (nuint)dim * sizeof(float), 64);
                new Span<float>(matrix, rows * dim).Fill(0.25f);
                var shared = new SharedHotRows(matrix, 0, rows, dim);
                var copies = Enumerable.Range(0, threads).Select(t => new HotRowCache(shared, t)).ToArray();
                try
                {
                    foreach (var copy in copies) copy.BeginTraining();
                    double best = 0;  // merges per second per thread
                    for (int round = 0; round < 3; round++)
                    {
                        long total = 0;
                        var clock = Stopwatch.StartNew();
                        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                        {
                            var copy = copies[t];
                            long n = 0;
                            while (clock.Elapsed < Duration)
                            {
                                copy.Private[(int)(n % (rows * dim))] += 1e-6f;  // a change to merge
                                copy.Merge();
                                n++;
                            }
                            Interlocked.Add(ref total, n);
                        });
                        best = Math.Max(best, total / clock.Elapsed.TotalSeconds / threads);
                    }
                    double usPerMerge = 1e6 / best;
                    int stripes = shared.Stripes;
                    Console.WriteLine($"| {rows} | {threads} | {best * threads:N0} | {best:N0} | {usPerMerge:F2} | {usPerMerge / stripes:F3} | {usPerMerge * 1000 / MergeWords:F2} |");
                }
                finally
                {
                    foreach (var copy in copies) copy.Dispose();
                    NativeMemory.AlignedFree(matrix);
                }
            }
        }
    }
}
