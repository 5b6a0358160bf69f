namespace HSoftmax.Corpus;

/// <summary>
/// Checks the files a run will write before it reads a word, so a typo costs a second, not a run, and a
/// run never overwrites its own corpus.
/// </summary>
public static class OutputPaths
{
    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming the output when it is a folder, lies in a folder that
    /// does not exist or cannot be written, is an input file (by device and inode, so through links too),
    /// lies inside an input folder, or is given twice. FIFOs and devices pass: they are written into.
    /// </summary>
    /// <param name="outputs">Each output's name (an option name in the CLI) and path.</param>
    /// <param name="inputs">The input paths as given (files and folders).</param>
    /// <param name="inputFiles">The input files they expand to.</param>
    public static void Check(IReadOnlyList<(string Option, string Path)> outputs, IReadOnlyList<string> inputs, IReadOnlyList<string> inputFiles)
    {
        var inputIds = new Dictionary<(long, long), string>();
        foreach (string file in inputFiles)
            if (file != CorpusFiles.StandardInput && FileStat.Identity(file) is { } id) inputIds.TryAdd(id, file);
        var folderIds = new Dictionary<(long, long), string>();
        foreach (string input in inputs)
            if (FileStat.Kind(input) == FileKind.Folder && FileStat.Identity(input) is { } id) folderIds.TryAdd(id, input);

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (option, path) in outputs)
        {
            string full = Path.GetFullPath(path);
            var kind = FileStat.Kind(full);
            if (kind == FileKind.Folder)
                throw new ArgumentException($"{option}: {path} is a folder");
            if (kind == FileKind.Special) continue;  // /dev/null and the like: written into, never replaced
            string folder = Path.GetDirectoryName(full) ?? ".";
            if (!Directory.Exists(folder))
                throw new ArgumentException($"{option}: folder {folder} does not exist");
            if (seen.TryGetValue(full, out string? other))
                throw new ArgumentException($"{option}: {path} is also given to {other}");
            seen[full] = option;
            if (FileStat.Identity(full) is { } target && inputIds.TryGetValue(target, out string? input))
                throw new ArgumentException($"{option}: {path} is the input file {input}; writing it would destroy the corpus");
            for (string? up = folder; up is not null; up = Path.GetDirectoryName(up))
                if (FileStat.Identity(up) is { } upId && folderIds.TryGetValue(upId, out string? inputFolder))
                    throw new ArgumentException($"{option}: {path} is inside the input folder {inputFolder}; the next run would train on it");
            CheckCanCreate(option, folder);
        }
    }

    /// <summary>Creates and deletes a file in the folder: the only sure test (permissions, root, read-only mounts, quotas).</summary>
    private static void CheckCanCreate(string option, string folder)
    {
        string probe = Path.Combine(folder, $".hsoftmax-probe-{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option}: cannot write in folder {folder}: {e.Message}");
        }
    }
}
