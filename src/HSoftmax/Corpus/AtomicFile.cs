namespace HSoftmax.Corpus;

/// <summary>
/// Writes a file through a temporary file beside it, flushed to disk and then renamed into place, so a
/// failed, cancelled or killed write never leaves a half-written file under the real name, and a crash
/// just after the rename cannot leave an empty one (the data reaches the disk before the name does).
/// </summary>
/// <remarks>
/// A symbolic link is written through: the file it names is replaced and the link stays a link. An
/// existing file keeps its permissions. A FIFO or device (<c>/dev/null</c>, <c>/dev/stdout</c>) is written
/// into directly, since renaming over it would replace the device node with a regular file.
/// </remarks>
internal static partial class AtomicFile
{
    public static void Write(string path, Action<Stream> write, CancellationToken cancellationToken = default)
    {
        string full = Path.GetFullPath(path);
        string target = full;
        if (new FileInfo(full).LinkTarget is not null)
        {
            try
            {
                if (File.ResolveLinkTarget(full, returnFinalTarget: true) is { } linked) target = linked.FullName;
            }
            catch (IOException e)
            {
                throw new IOException($"{path}: cannot follow the link: {e.Message}", e);
            }
        }
        switch (FileStat.Kind(target))
        {
            case FileKind.Folder:
                throw new IOException($"{path}: is a folder");
            case FileKind.Special:
                WriteInPlace(path, target, write, cancellationToken);
                return;
        }
        string? folder = Path.GetDirectoryName(target);
        if (folder is not null && !Directory.Exists(folder))
            throw new IOException($"{path}: folder {folder} does not exist");
        string temp = $"{target}.{Environment.ProcessId}.tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using (var checkedStream = Cancellable(file, cancellationToken))
                    write(checkedStream);
                cancellationToken.ThrowIfCancellationRequested();
                file.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows() && File.Exists(target))
                File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
            File.Move(temp, target, overwrite: true);
            if (folder is not null) SyncFolder(folder);
        }
        catch (Exception e)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            if (e is AggregateException { InnerException: OperationCanceledException cancelled }) throw cancelled;
            if (e is IOException or UnauthorizedAccessException)
                throw new IOException($"{path}: cannot write: {e.Message}", e);
            throw;
        }
    }

    /// <summary>
    /// fsync of the folder, so the rename itself survives a power cut (ext4 and XFS may otherwise come
    /// back with the old name). Best effort: .NET cannot open a folder, so this calls libc, and where
    /// that is unavailable (Windows, where a rename is durable through the journal) it does nothing.
    /// </summary>
    private static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            int fd = OpenFolder(folder, 0 /* O_RDONLY: a folder opens read-only; O_DIRECTORY differs between architectures */);
            if (fd < 0) return;
            // Best effort: some file systems refuse fsync on a folder (EINVAL), and the file itself was synced.
            _ = FSync(fd);
            _ = Close(fd);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int OpenFolder(string path, int flags);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>Checks for cancellation at every write, so Ctrl-C stops even a write of gigabytes within a buffer.</summary>
    private static ObservedWriteStream Cancellable(Stream file, CancellationToken cancellationToken) =>
        new(file, _ => cancellationToken.ThrowIfCancellationRequested());

    private static void WriteInPlace(string path, string target, Action<Stream> write, CancellationToken cancellationToken)
    {
        try
        {
            using var file = new FileStream(target, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            using var checkedStream = Cancellable(file, cancellationToken);
            write(checkedStream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot write: {e.Message}", e);
        }
    }
}
