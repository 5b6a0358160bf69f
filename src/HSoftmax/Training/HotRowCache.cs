using System.Runtime.InteropServices;
using HSoftmax.Simd;

namespace HSoftmax.Training;

/// <summary>
/// The output rows that every prediction writes (the top of the Huffman tree, the most frequent noise
/// words), shared by all threads, each of which trains on a private copy (<see cref="HotRowCache"/>)
/// and merges it back at intervals.
/// </summary>
/// <remarks>
/// <para><b>Why private copies.</b> Plain Hogwild, as the word2vec tool runs, makes every thread write
/// the root row about ten times per skip-gram pair. A cache line can change owner only so many times a
/// second, so the threads queue on it: two Hogwild threads ran slower than one, and the word2vec tool
/// crawls at 16 threads (figures for this remark: <c>tools/results/design-notes.md</c>).</para>
/// <para><b>Why merges average.</b> Between two of its merges a thread takes thousands of steps on these
/// rows, enough for each to settle where its own data puts it (the root's accumulated step size
/// alpha * sigma' * |h|^2 over one merge interval is in the hundreds, measured). Every thread's change is
/// then the same correction, computed from the same stale start. Adding n of them moves the row n
/// times too far; the row then oscillates with growing amplitude once n >= 3 (x[k+1] = x[k] - x[k-n+1]
/// is unstable beyond two), which is what made 16 threads diverge. Each change is therefore added with weight 1/n, n being the number of changes
/// it is concurrent with: the threads training in this epoch, or, if more, the merges that landed since
/// this copy was taken, this one included. The first covers the start of an epoch, where all copies
/// start from the same rows and their first changes should land as their mean (counting merges alone
/// would weight them 1, 1/2, 1/3 ... and move the row ln n times too far); the second covers a copy
/// that fell behind, as a thread that the scheduler kept waiting does. In between, both are the thread
/// count, and x[k+1] = x[k] - x[k-n+1]/n is stable at any n. Where only one thread trains, n is 1 and
/// the merge is a plain sum, whatever the thread count.</para>
/// <para><b>Why so few rows.</b> Averaging is right only for rows that settle within one interval.
/// Rows written less often change mostly by new information, which a mean divides by n; summed, they
/// too oscillate once n is large. With the top 64 tree nodes averaged, 2 to 32 threads give the 1-thread
/// run's vectors; with more, many threads lost analogy points. Noise rows settle less (each is pushed from
/// every context it is drawn against), so only the 16 most frequent are averaged. Both cuts fall where a
/// row is written by about 1 in 64 predictions (enwiki); below them, rows stay plain Hogwild.</para>
/// <para><b>Two threads.</b> A sum of stale changes is stable while at most two are concurrent
/// (x[k+1] = x[k] - x[k-1] neither grows nor decays), so with exactly two threads the next rows down
/// are private too, merged as a sum: the 960 tree rows below the averaged 64 and the 240 noise rows
/// below the averaged 16. Shared, their cache lines went back and forth between the two cores at
/// every prediction; private, they run faster. The sum still lets a settled row swing, which costs loss
/// the more noise rows are summed, so they stop at 256. With three threads or more the sum grows
/// unstable, so those rows are shared. (Measurements: <c>tools/results/design-notes.md</c>,
/// <c>threads.md</c>, <c>speed-ab.md</c>.)</para>
/// <para>Hot rows are a contiguous id range: the last inner nodes of a Huffman tree are the heaviest
/// (nodes are created in order of weight), and the first word ids are the most frequent.</para>
/// </remarks>
internal sealed unsafe class SharedHotRows
{
    /// <summary>Top inner nodes of the tree each thread keeps privately; see the remarks for the measurements behind it.</summary>
    public const int TreeRows = 64;

    /// <summary>Noise rows of the most frequent words each thread keeps privately.</summary>
    public const int NoiseRows = 16;

    /// <summary>With two threads, tree rows below the averaged ones that are private too, and summed.</summary>
    public const int SummedTreeRows = 960;

    /// <summary>With two threads, noise rows below the averaged ones that are private too, and summed.</summary>
    public const int SummedNoiseRows = 240;

    private const int RowsPerStripe = 8;

    private readonly object[] _stripeLocks;
    private long _merges;
    private int _training;

    public SharedHotRows(float* matrix, int firstRow, int rows, int dim, int averagedFirst = 0, int averagedCount = int.MaxValue)
    {
        FirstRow = firstRow;
        Rows = rows;
        Dim = dim;
        AveragedFirst = averagedFirst;
        AveragedEnd = (int)Math.Min(rows, (long)averagedFirst + averagedCount);
        Shared = matrix + (long)firstRow * dim;
        _stripeLocks = new object[(rows + RowsPerStripe - 1) / RowsPerStripe];
        for (int i = 0; i < _stripeLocks.Length; i++) _stripeLocks[i] = new object();
    }

    public int FirstRow { get; }
    public int Rows { get; }
    public int Dim { get; }

    /// <summary>Rows [AveragedFirst, AveragedEnd) (counted from FirstRow) merge as a mean; the others as a sum.</summary>
    public int AveragedFirst { get; }
    public int AveragedEnd { get; }
    internal float* Shared { get; }
    internal int Stripes => _stripeLocks.Length;

    /// <summary>Merges that have started so far.</summary>
    internal long Merges => Interlocked.Read(ref _merges);

    /// <summary>Copies that have started training in this epoch.</summary>
    internal int Training => Volatile.Read(ref _training);

    /// <summary>Before an epoch's threads start: none is training yet.</summary>
    public void BeginEpoch() => Volatile.Write(ref _training, 0);

    internal void Join() => Interlocked.Increment(ref _training);

    /// <summary>Claims the next merge number.</summary>
    internal long StartMerge() => Interlocked.Increment(ref _merges);

    /// <summary>The lock of the stripe that holds row <paramref name="row"/> (counted from FirstRow).</summary>
    internal object LockOfRow(int row) => _stripeLocks[row / RowsPerStripe];

    /// <summary>Rows [first, end) of stripe <paramref name="stripe"/>; hold its lock while touching the shared rows.</summary>
    internal object StripeLock(int stripe, out int first, out int end)
    {
        first = stripe * RowsPerStripe;
        end = Math.Min(Rows, first + RowsPerStripe);
        return _stripeLocks[stripe];
    }
}

/// <summary>One thread's private copy of the <see cref="SharedHotRows"/>, merged back at intervals.</summary>
/// <remarks>
/// No lock covers the whole copy: each stripe of 8 rows has its own, and each thread starts its merge at
/// a different stripe, so merging threads rarely meet, and a merge's cost does not depend on how many
/// threads there are.
/// </remarks>
internal sealed unsafe class HotRowCache : IDisposable
{
    private readonly SharedHotRows _shared;
    private readonly int _firstStripe;
    private long _seenMerges;  // merges started before this copy was last refreshed

    public HotRowCache(SharedHotRows shared, int thread)
    {
        _shared = shared;
        _firstStripe = thread % shared.Stripes;
        nuint bytes = (nuint)shared.Rows * (nuint)shared.Dim * sizeof(float);
        Private = (float*)NativeMemory.AlignedAlloc(bytes, 128);
        Snapshot = (float*)NativeMemory.AlignedAlloc(bytes, 128);
    }

    public int FirstRow => _shared.FirstRow;
    public int Rows => _shared.Rows;

    /// <summary>The thread's working copy of rows FirstRow .. FirstRow + Rows - 1.</summary>
    public float* Private { get; private set; }

    /// <summary>The shared rows as this copy last saw them.</summary>
    private float* Snapshot { get; set; }

    /// <summary>Takes a copy of the shared rows as this thread starts training in an epoch, and counts it as training.</summary>
    public void BeginTraining()
    {
        _shared.Join();
        Refresh();
    }

    /// <summary>
    /// Adds this thread's change since the last merge to the shared rows, weighted 1/n for the averaged
    /// rows and 1 for the others (see <see cref="SharedHotRows"/>), then takes a fresh copy.
    /// </summary>
    /// <returns>n, the number of concurrent changes this one was averaged with.</returns>
    public int Merge()
    {
        long number = _shared.StartMerge();
        int concurrent = (int)Math.Max(_shared.Training, Math.Min(int.MaxValue, number - _seenMerges));
        float weight = 1f / concurrent;
        int dim = _shared.Dim;
        for (int i = 0; i < _shared.Stripes; i++)
        {
            int stripe = (_firstStripe + i) % _shared.Stripes;
            lock (_shared.StripeLock(stripe, out int first, out int end))
            {
                long offset = (long)first * dim, length = (long)(end - first) * dim;
                float* mine = Private + offset, seen = Snapshot + offset, shared = _shared.Shared + offset;
                VectorMath.Axpy(-1f, seen, mine, (int)length);   // mine = this thread's change
                for (int row = first; row < end; row++)
                {
                    float w = row >= _shared.AveragedFirst && row < _shared.AveragedEnd ? weight : 1f;
                    long at = (long)(row - first) * dim;
                    VectorMath.Axpy(w, mine + at, shared + at, dim);
                }
                Copy(shared, mine, length);
                Copy(shared, seen, length);
            }
        }
        _seenMerges = number;
        return concurrent;
    }

    private void Refresh()
    {
        _seenMerges = _shared.Merges;
        long length = (long)Rows * _shared.Dim;
        Copy(_shared.Shared, Private, length);
        Copy(_shared.Shared, Snapshot, length);
    }

    private static void Copy(float* from, float* to, long length) =>
        new ReadOnlySpan<float>(from, (int)length).CopyTo(new Span<float>(to, (int)length));

    public void Dispose()
    {
        if (Private == null) return;
        NativeMemory.AlignedFree(Private);
        NativeMemory.AlignedFree(Snapshot);
        Private = Snapshot = null;
    }
}
