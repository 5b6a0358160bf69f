namespace HSoftmax.Tests;

/// <summary>The large corpora and evaluation sets in ../shared/data beside the checkout (never copied into the repo).</summary>
public static class SharedData
{
    /// <summary>The shared data folder, found by walking up from the test binaries; null when absent.</summary>
    public static string? Folder { get; } = Find();

    public static string? Path(string relative) =>
        Folder is null ? null : System.IO.Path.Combine(Folder, relative) is var p && (File.Exists(p) || Directory.Exists(p)) ? p : null;

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>A fact that needs a file from ../shared/data: skipped, with the path it looked for, where it is absent.</summary>
public sealed class RequiresSharedDataFactAttribute : FactAttribute
{
    public RequiresSharedDataFactAttribute(string relative)
    {
        if (SharedData.Path(relative) is null)
            Skip = $"needs ../shared/data/{relative}, which is not here (the large corpora are not part of the repository)";
    }
}
