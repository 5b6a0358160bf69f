namespace HSoftmax.Cli;

/// <summary>Finds the files shipped in the repository's corpora/ folder (copied next to the tool on build).</summary>
internal static class BundledData
{
    public const string CorpusFileName = "eltec12-paragraphs.txt";

    /// <summary>The bundled corpus (gzipped in a published tool), or null if it is nowhere to be found.</summary>
    public static string? FindCorpus() => Beside(CorpusFileName) ?? Beside(CorpusFileName + ".gz") ?? Find(CorpusFileName);

    /// <summary>The file beside the tool (its own copy first: an installed tool run inside a clone uses its own).</summary>
    private static string? Beside(string relative)
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "corpora", relative);
        return File.Exists(beside) || Directory.Exists(beside) ? beside : null;
    }

    public static string? Find(string relative)
    {
        if (Beside(relative) is string beside) return beside;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "corpora", relative);
            if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
        }
        return null;
    }
}
