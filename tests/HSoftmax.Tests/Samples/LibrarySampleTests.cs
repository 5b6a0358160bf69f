using System.Reflection;
using HSoftmax.Tests.Torch;
using HSoftmax.Vectors;

namespace HSoftmax.Tests.Samples;

/// <summary>The README's library sample (samples/HSoftmax.Sample) runs, and the README shows its code as it is.</summary>
[Collection(nameof(RunsAlone))]  // it writes to Console, which the test swaps
public class LibrarySampleTests
{
    [Fact]
    public void TheSampleTrainsSavesAndShowsNeighbours()
    {
        using var tmp = new TempFolder();
        string vectors = tmp.File("vectors.bin");
        string corpus = RepositoryFiles.BundledCorpus;
        var entry = Assembly.Load("HSoftmax.Sample").EntryPoint!;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            entry.Invoke(null, [new[] { corpus, vectors, "day" }]);
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var saved = Word2VecFile.Load(vectors);
        Assert.Equal(100, saved.Dim);
        Assert.StartsWith($"{saved.Count:N0} vectors of 100 in {vectors}", lines[0]);
        Assert.Equal(10, lines.Skip(1).Count(l => l.Split(' ').Length == 2 && saved.Contains(l.Split(' ')[0])));
        Assert.Equal($"loaded {saved.Count:N0} vectors back", lines[^1].Trim());
        Assert.EndsWith("\n", stderr.ToString());  // the progress line, if a second passed for one, is ended
    }

    [Fact]
    public void TheReadmeShowsTheSamplesCode()
    {
        string root = RepositoryFiles.Root;
        string sample = File.ReadAllText(Path.Combine(root, "samples", "HSoftmax.Sample", "Program.cs")).ReplaceLineEndings("\n").Trim();
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        Assert.Contains("```csharp\n" + sample + "\n```", readme);
    }
}
