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
    public static T[] Allocate<T>(int length) where T : unmanaged => GC.AllocateUninitializedArray<T>(length, pinned: true);

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
