using System.Runtime.InteropServices;

namespace HSoftmax.Corpus;

/// <summary>What a path names once symbolic links are followed.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Folder,
    /// <summary>A pipe, FIFO, socket or device: it cannot be read twice or renamed over.</summary>
    Special,
}

/// <summary>
/// stat(2) for the questions .NET's file API cannot answer: is this a FIFO or a device, and which folder
/// (device and inode) is this, so a walk through symbolic links can tell it has been here before.
/// </summary>
/// <remarks>
/// .NET reports a FIFO, /dev/null and a regular file alike (Attributes Normal, Length 0), and a rename over
/// /dev/null would replace the device. It calls the runtime's own stat shim (libSystem.Native, which every
/// .NET process on Unix loads) rather than libc, whose struct stat differs between architectures. Where that
/// is unavailable (Windows) it falls back to what .NET can tell: regular file, folder or missing.
/// </remarks>
internal static partial class FileStat
{
    public static FileKind Kind(string path) => Stat(path, out var status) ? KindOf(status.Mode) : Fallback(path);

    /// <summary>Whether the path is a pipe or FIFO (for /dev/stdin: whether input is piped in).</summary>
    public static bool IsPipe(string path) => Stat(path, out var status) && (status.Mode & 0xF000) == 0x1000;

    /// <summary>The (device, inode) of a path, links followed; null where it cannot be told.</summary>
    public static (long Device, long Inode)? Identity(string path) =>
        Stat(path, out var status) ? (status.Dev, status.Ino) : null;

    private static FileKind KindOf(int mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Folder,
        _ => FileKind.Special,
    };

    private static FileKind Fallback(string path) =>
        File.Exists(path) ? FileKind.Regular : Directory.Exists(path) ? FileKind.Folder : FileKind.Missing;

    private static bool Stat(string path, out FileStatus status)
    {
        status = default;
        if (OperatingSystem.IsWindows()) return false;
        try
        {
            return SystemNativeStat(path, out status) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SystemNativeStat(string path, out FileStatus status);

    /// <summary>The runtime's FileStatus (dotnet/runtime src/native/libs/System.Native/pal_io.h), unchanged since .NET 7.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
        public uint Uid;
        public uint Gid;
        public long Size;
        public long ATime, ATimeNsec, MTime, MTimeNsec, CTime, CTimeNsec, BirthTime, BirthTimeNsec;
        public long Dev;
        public long RDev;
        public long Ino;
        public uint UserFlags;
    }
}
