using System.IO.Compression;

namespace HSoftmax.Corpus;

/// <summary>Resolves corpus paths and opens them, plain or gzip.</summary>
public static class CorpusFiles
{
    /// <summary>
    /// Expands files and folders into a sorted list of files (a folder contributes every file below it,
    /// in ordinal path order, so two runs see the same order).
    /// </summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (File.Exists(path))
                files.Add(path);
            else if (Directory.Exists(path))
            {
                var inFolder = Directory.GetFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .OrderBy(f => f, StringComparer.Ordinal)
                    .ToList();
                if (inFolder.Count == 0)
                    throw new CorpusException($"{path}: folder holds no files");
                files.AddRange(inFolder);
            }
            else
                throw new CorpusException($"{path}: no such file or folder");
        }
        if (files.Count == 0)
            throw new CorpusException("no input files given");
        return files;
    }

    /// <summary>
    /// Opens a file for reading; gzip is recognised by its magic bytes (1f 8b), not by its name.
    /// </summary>
    public static Stream Open(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException($"{path}: cannot open: {e.Message}", e);
        }
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            return new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
        return file;
    }
}
