using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HSoftmax.Simd;

/// <summary>
/// Arrays the CPU engine's hot loop reads through raw pointers (weights, tree links, noise and sigmoid
/// tables) live on the pinned object heap for their whole life, so a pointer into them stays valid without
/// a GCHandle or a <c>fixed</c> scope. Per-thread scratch is native memory instead (its own cache lines),
/// and short-lived buffers are pinned with <c>fixed</c> where they are used.
/// </summary>
internal static unsafe class Pinned
{
    public static T[] Allocate<T>(int length) where T : unmanaged
    {
        // The pinned heap lays objects end to end: without a gap, the end of one array (the top of the
        // tree's links, read at every prediction) can share a cache line with the start of the next (the
        // most frequent word's row, written by every thread), and each write evicts the other's reads.
        lock (Guards) Guards.Add(GC.AllocateUninitializedArray<byte>(GuardBytes, pinned: true));
        return GC.AllocateUninitializedArray<T>(length, pinned: true);
    }

    private const int GuardBytes = 128;
    private static readonly List<byte[]> Guards = [];

    public static T[] Copy<T>(ReadOnlySpan<T> source) where T : unmanaged
    {
        var array = Allocate<T>(source.Length);
        source.CopyTo(array);
        return array;
    }

    /// <summary>The first element of an array made by <see cref="Allocate{T}"/>; null for a null or empty one.</summary>
    public static T* Pointer<T>(T[]? array) where T : unmanaged =>
        array is null || array.Length == 0 ? null : (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
}
