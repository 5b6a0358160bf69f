using System.Runtime.InteropServices;

namespace HSoftmax.Torch;

/// <summary>
/// glibc hands each allocation over 32 MB to mmap and gives it back on free, so every step of the CPU
/// engine paid page faults on its [batch, depth, dim] tensors afresh, a third of its time
/// (tools/results/torch-steps.md).
/// Keeping freed memory in the heap trades that for a resident set that stays at its peak.
/// </summary>
internal static partial class NativeHeap
{
    private const int TrimThreshold = -1, TopPad = -2, MmapMax = -4;
    private static int _done;

    /// <summary>Returns false where the allocator refused a setting or has none (musl); training goes on either way.</summary>
    public static bool KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Interlocked.Exchange(ref _done, 1) == 1) return true;
        try
        {
            // mallopt returns 1 on success: all three are tried, and all must have taken.
            return (mallopt(MmapMax, 0) & mallopt(TrimThreshold, int.MaxValue) & mallopt(TopPad, 256 << 20)) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;  // not glibc: its allocator has no such settings
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);
}
