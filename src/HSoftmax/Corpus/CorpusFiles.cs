namespace HSoftmax.Corpus;

/// <summary>Resolves corpus paths and opens them, plain or gzip.</summary>
public static class CorpusFiles
{
    /// <summary>The path that stands for standard input, as in most Unix tools.</summary>
    public const string StandardInput = "-";

    /// <summary>Whether standard input is a pipe or FIFO: text is being piped in.</summary>
    public static bool StandardInputIsPipe => FileStat.IsPipe("/dev/stdin");

    /// <summary>
    /// Expands files and folders into a list of files. A folder contributes every regular file below it,
    /// in ordinal path order, so two runs see the same order; hidden entries are skipped.
    /// </summary>
    /// <remarks>
    /// Symbolic links are followed, but a folder reached twice (a link to an ancestor, or two links to one
    /// folder) is read once, so a link loop cannot make the walk endless. Inside a folder, FIFOs, sockets
    /// and devices are skipped: reading one would block or never end. Named on its own, such a path (or
    /// <see cref="StandardInput"/>) is kept: <see cref="CorpusSpool"/> copies it to a file first.
    /// </remarks>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (path == StandardInput)
            {
                files.Add(path);
                continue;
            }
            switch (FileStat.Kind(path))
            {
                case FileKind.Regular:
                case FileKind.Special:
                    files.Add(path);
                    break;
                case FileKind.Folder:
                    var inFolder = new List<string>();
                    Walk(path, inFolder, new HashSet<(long, long)>());
                    if (inFolder.Count == 0)
                        throw new CorpusException($"{path}: folder holds no files");
                    inFolder.Sort(StringComparer.Ordinal);
                    files.AddRange(inFolder);
                    break;
                default:
                    throw new CorpusException($"{path}: no such file or folder");
            }
        }
        if (files.Count == 0)
            throw new CorpusException("no input files given");
        return files;
    }

    private static void Walk(string folder, List<string> files, HashSet<(long, long)> seen)
    {
        if (FileStat.Identity(folder) is { } id && !seen.Add(id)) return;  // been here: a link loop or a second link
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(folder).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException($"{folder}: cannot list folder: {e.Message}", e);
        }
        foreach (string entry in entries)
        {
            if (Path.GetFileName(entry).StartsWith('.')) continue;
            switch (FileStat.Kind(entry))
            {
                case FileKind.Regular: files.Add(entry); break;
                case FileKind.Folder: Walk(entry, files, seen); break;
                default: break;  // a FIFO, socket or device, or a dangling link
            }
        }
    }

    /// <summary>A plain (not gzip) file's size in bytes; null for a gzip file.</summary>
    internal static long? PlainSize(string path)
    {
        using var stream = Open(path);
        return stream.CanSeek ? stream.Length : null;
    }

    /// <summary>
    /// Opens a file for reading; gzip (one member or several) is recognised by its magic bytes (1f 8b),
    /// not by its name.
    /// </summary>
    public static Stream Open(string path) => Open(path, (message, inner) => inner is null ? new CorpusException(message) : new CorpusException(message, inner));

    /// <param name="path">The file to open; <see cref="StandardInput"/> and pipes are refused.</param>
    /// <param name="error">Makes the error for this kind of file (a vectors file, an evaluation set).</param>
    internal static Stream Open(string path, Func<string, Exception?, InputFileException> error)
    {
        if (path == StandardInput)
            throw error("standard input can be read only once, and training reads the corpus once per epoch; copy it to a file first (CorpusSpool does)", null);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw error($"{path}: cannot open: {e.Message}", e);
        }
        if (!file.CanSeek)
        {
            file.Dispose();
            throw error($"{path}: a pipe or device can be read only once, and training reads the corpus once per epoch; copy it to a file first (CorpusSpool does)", null);
        }
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            return new GzipReader(file);
        return file;
    }
}
