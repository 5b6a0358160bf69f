using System.Globalization;

namespace HSoftmax.Training;

/// <summary>The memory a run can allocate now: what the memory checks compare their estimates with.</summary>
/// <remarks>
/// .NET's <c>TotalAvailableMemoryBytes</c> is the machine's (or the container's) total, so a run on a
/// machine whose memory other processes hold passed the check and was then killed or swapped. On Linux
/// the kernel's MemAvailable (free memory plus the page cache it can drop) is the honest figure; the
/// smaller of the two is used, so a container limit still counts.
/// </remarks>
public static class AvailableMemory
{
    /// <summary>Bytes available now: the smaller of .NET's total and Linux's MemAvailable (when it can be read).</summary>
    public static long Bytes()
    {
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return MemAvailable() is long now ? Math.Min(total, now) : total;
    }

    private static long? MemAvailable()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);  // "MemAvailable:", N, "kB"
                return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
