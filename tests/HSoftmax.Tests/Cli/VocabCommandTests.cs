using HSoftmax.Corpus;
using HSoftmax.Training;
using HSoftmax.Tree;
using static HSoftmax.Tests.Cli.CliRun;

namespace HSoftmax.Tests.Cli;

public class VocabCommandTests
{
    private static string Corpus(TempFolder tmp)
    {
        var rnd = new Random(5);
        // Zipf-like counts, so codes have several lengths.
        var lines = Enumerable.Range(0, 300).Select(_ => string.Join(" ", Enumerable.Range(0, 12).Select(_ => $"w{(int)Math.Floor(Math.Pow(40, rnd.NextDouble()))}")));
        return tmp.Write("corpus.txt", string.Join("\n", lines) + "\n");
    }

    /// <summary>The table's row for a word: rank, word, count, share, depth, code.</summary>
    private static string[] Row(string stdout, string word) =>
        stdout.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Single(cells => cells.Length == 6 && cells[1] == word);

    [Fact]
    public void AVocabularyFileShowsRanksCountsAndTheTreeTrainingBuilds()
    {
        using var tmp = new TempFolder();
        string vocab = tmp.File("vocab.txt");
        var (code, _, stderr) = Run("train", "--input", Corpus(tmp), "--output", tmp.File("v.txt"), "--save-vocab", vocab, "--min-count", "1", "--epochs", "1", "--eval", "false");
        Assert.True(code == 0, stderr);
        var vocabulary = Vocabulary.Load(vocab);
        var tree = HuffmanTree.Build(vocabulary.Counts);

        (code, var stdout, stderr) = Run("vocab", vocab, "w1", "w30");
        Assert.True(code == 0, stderr);
        foreach (string word in new[] { "w1", "w30" })
        {
            int id = vocabulary.IndexOf(word);
            var cells = Row(stdout, word);
            Assert.Equal((id + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), cells[0]);
            Assert.Equal(vocabulary.Counts[id].ToString("N0", System.Globalization.CultureInfo.InvariantCulture), cells[2]);
            Assert.Equal(tree.GetDepth(id).ToString(System.Globalization.CultureInfo.InvariantCulture), cells[4]);
            Assert.Equal(string.Concat(tree.GetCode(id).Select(b => (char)('0' + b))), cells[5]);
        }
        Assert.NotEqual(Row(stdout, "w1")[4], Row(stdout, "w30")[4]);  // a frequent word sits higher in the tree

        // Without words: the most frequent, in rank order.
        (code, stdout, _) = Run("vocab", vocab, "--top", "3");
        Assert.Equal(0, code);
        Assert.Equal(["1", "2", "3"], stdout.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(c => c.Length == 6 && c[0] != "rank").Select(c => c[0]));
    }

    [Fact]
    public void AModelFileShowsItsOwnTree()
    {
        using var tmp = new TempFolder();
        string model = tmp.File("model.hsm");
        var (code, _, stderr) = Run("train", "--input", Corpus(tmp), "--output", tmp.File("v.txt"), "--checkpoint", model, "--loss", "hs", "--min-count", "1",
            "--epochs", "1", "--eval", "false", "--threads", "1");
        Assert.True(code == 0, stderr);
        var checkpoint = ModelFile.Load(model);

        (code, var stdout, stderr) = Run("vocab", model, "w2");
        Assert.True(code == 0, stderr);
        Assert.Contains("the model's own", stdout);
        int id = checkpoint.Vocabulary.IndexOf("w2");
        Assert.Equal(string.Concat(checkpoint.Tree!.GetCode(id).Select(b => (char)('0' + b))), Row(stdout, "w2")[5]);
    }

    [Fact]
    public void AnUnknownWordIsOneLineAndExitsOne()
    {
        using var tmp = new TempFolder();
        string vocab = tmp.Write("vocab.txt", "the 10\nof 5\n");
        var (code, stdout, stderr) = Run("vocab", vocab, "zzz");
        Assert.Equal(1, code);
        Assert.Equal($"hsoftmax: {vocab}: 'zzz' is not in the vocabulary", stderr.Trim());
        Assert.Equal("", stdout);
    }
}
