using System.Runtime.InteropServices;
using HSoftmax.Simd;

namespace HSoftmax.Training;

/// <summary>
/// A thread's private copy of the most-written output rows, merged into the shared matrix at intervals.
/// </summary>
/// <remarks>
/// Lock-free training scales badly when every update writes the same rows: every skip-gram pair walks
/// the top of the Huffman tree (the root row is written ~10 times per pair), and every noise draw hits
/// the rows of the most frequent words. Two cores writing one cache line spend their time passing it
/// back and forth: measured here, two Hogwild threads ran slower than one. So each thread updates its
/// own copy of those rows and, every few tens of thousands of words, adds what it changed (private
/// minus the snapshot taken at the last merge) into the shared rows and takes a fresh copy. The sum of
/// all threads' updates still lands, only later; the rest of the matrix stays plain Hogwild.
/// <para>Hot rows are a contiguous id range: the last inner nodes of a Huffman tree are the heaviest
/// (nodes are created in order of weight), and the first word ids are the most frequent.</para>
/// </remarks>
internal sealed unsafe class HotRowCache : IDisposable
{
    private static readonly object MergeLock = new();

    private readonly float* _shared;
    private readonly int _length;  // floats

    public HotRowCache(float* matrix, int firstRow, int rows, int dim)
    {
        FirstRow = firstRow;
        Rows = rows;
        _length = rows * dim;
        _shared = matrix + (long)firstRow * dim;
        Private = (float*)NativeMemory.AlignedAlloc((nuint)_length * sizeof(float), 64);
        Snapshot = (float*)NativeMemory.AlignedAlloc((nuint)_length * sizeof(float), 64);
        Refresh();
    }

    public int FirstRow { get; }
    public int Rows { get; }

    /// <summary>The thread's working copy of rows FirstRow .. FirstRow + Rows - 1.</summary>
    public float* Private { get; private set; }

    private float* Snapshot { get; set; }

    /// <summary>Adds this thread's changes since the last merge to the shared rows, then copies them back.</summary>
    public void Merge()
    {
        lock (MergeLock)
        {
            // shared += private - snapshot, then both copies take the merged rows.
            VectorMath.Axpy(-1f, Snapshot, Private, _length);
            VectorMath.Axpy(1f, Private, _shared, _length);
            Refresh();
        }
    }

    /// <summary>Takes a fresh copy of the shared rows, dropping local changes (at the start of training).</summary>
    public void Refresh()
    {
        var source = new ReadOnlySpan<float>(_shared, _length);
        source.CopyTo(new Span<float>(Private, _length));
        source.CopyTo(new Span<float>(Snapshot, _length));
    }

    public void Dispose()
    {
        if (Private == null) return;
        NativeMemory.AlignedFree(Private);
        NativeMemory.AlignedFree(Snapshot);
        Private = Snapshot = null;
    }
}
