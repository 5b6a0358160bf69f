namespace HSoftmax.Tests;

/// <summary>Files of the repository the tests read: the checkout's own (scripts, README, samples) and the bundled corpus.</summary>
public static class RepositoryFiles
{
    /// <summary>
    /// The checkout's root (the folder holding HSoftmax.sln), found above the test binaries: not from
    /// this source file's path, which a CI build (ContinuousIntegrationBuild) maps to /_/.
    /// </summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The bundled corpus as the build copies it beside the test binaries.</summary>
    public static string BundledCorpus { get; } = Path.Combine(AppContext.BaseDirectory, "corpora", "eltec12-paragraphs.txt");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HSoftmax.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("HSoftmax.sln not found above " + AppContext.BaseDirectory);
    }
}
