using System.Runtime.InteropServices;

namespace HSoftmax.Torch;

/// <summary>
/// glibc hands each allocation over 32 MB to mmap and gives it back on free, so every step of the CPU
/// engine paid page faults on its [batch, depth, dim] tensors afresh: 39.5 ms a step against 24.1 ms
/// with the heap kept (skip-gram HS, batch 4,096, enwiki shape; tools/HSoftmax.Benchmarks torch-steps).
/// Keeping freed memory in the heap trades that for a resident set that stays at its peak.
/// </summary>
internal static partial class NativeHeap
{
    private const int TrimThreshold = -1, TopPad = -2, MmapMax = -4;
    private static int _done;

    public static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _done, 1) == 1) return;
        try
        {
            mallopt(MmapMax, 0);
            mallopt(TrimThreshold, int.MaxValue);
            mallopt(TopPad, 256 << 20);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl): its allocator has no such settings.
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);
}
