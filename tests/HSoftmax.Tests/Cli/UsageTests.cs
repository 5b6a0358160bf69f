using static HSoftmax.Tests.Cli.CliRun;

namespace HSoftmax.Tests.Cli;

public class UsageTests
{
    [Theory]
    [InlineData("train", "--no-such-option")]
    [InlineData("nearest")]
    [InlineData("train", "--model", "glove")]
    public void AUsageErrorExitsTwo(params string[] args) => Assert.Equal(2, Run(args).Code);

    [Fact]
    public void UsageNamesTheToolAsUsersCallIt()
    {
        var (code, stdout, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("  hsoftmax [command] [options]", stdout);
        Assert.Contains("  hsoftmax train [options]", Run("train", "--help").Out);
        Assert.Matches(@"^\d+\.\d+\.\d+", Run("--version").Out.Trim());
    }

    [Fact]
    public void HelpShowsNoDefaultThatIsReallyThisMachinesCoreCount()
    {
        var (code, stdout, _) = Run("train", "--help");
        Assert.Equal(0, code);
        string threads = stdout.Split('\n').First(l => l.TrimStart().StartsWith("--threads", StringComparison.Ordinal));
        Assert.Contains("all cores", threads);
        Assert.DoesNotContain("[default:", threads);
        string batch = stdout.Split('\n').First(l => l.TrimStart().StartsWith("--batch", StringComparison.Ordinal));
        Assert.DoesNotContain("[default: 0]", batch);
    }

    [Fact]
    public void SimilarityIsTheCosineOfTwoWords()
    {
        using var tmp = new TempFolder();
        string vectors = tmp.Write("v.txt", "3 2\nking 3 4\nqueen 4 3\ncat -1 0\n");
        var (code, stdout, stderr) = Run("similarity", vectors, "king", "queen");
        Assert.True(code == 0, stderr);
        Assert.Equal("0.960000", stdout.Trim());  // (12 + 12) / 25
        var missing = Run("similarity", vectors, "king", "Queen");
        Assert.Equal(1, missing.Code);
        Assert.Equal("hsoftmax: 'Queen' is not in the vocabulary", missing.Err.Trim());
    }

    [Fact]
    public void AFastTextBinaryModelIsRefusedWithTheFileToUseInstead()
    {
        using var tmp = new TempFolder();
        string model = tmp.Write("model.bin", [0xBA, 0x16, 0x4F, 0x2F, 12, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
        var (code, _, stderr) = Run("eval", model);
        Assert.Equal(1, code);
        Assert.Equal($"hsoftmax: {model}: a fastText .bin model, not a word2vec vectors file; load the .vec file fastText writes beside it", stderr.Trim());
    }
    [Fact]
    public async Task TheDemoShowsTheTreeNeighboursAndScoresAndSaysWhatWouldDoBetter()
    {
        using var tmp = new TempFolder();
        // A process of its own: the demo writes vectors.txt where it runs, and tests in this one run in parallel.
        var start = StartInfo();
        start.WorkingDirectory = tmp.Path;
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        using var p = System.Diagnostics.Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, await stderr);
        Assert.Contains("Huffman tree depth", stdout);
        Assert.Matches(@"  day +(morning|evening|afternoon|night|week)", stdout);
        Assert.Contains("questions-words.txt", stdout);
        Assert.Contains("more text, or more epochs, gives better vectors", stdout);
        Assert.True(File.Exists(tmp.File("vectors.txt")));
    }
}
