using HSoftmax.Cli;
using HSoftmax.Vectors;
using static HSoftmax.Tests.Cli.CliRun;

namespace HSoftmax.Tests.Cli;

public class Word2VecFlagsTests
{
    [Fact]
    public void EveryWord2VecFlagMapsToOurs()
    {
        string[] word2vec = ["train", "-train", "c.txt", "-output", "v.bin", "-size", "200", "-window", "8", "-sample", "1e-4",
            "-cbow", "0", "-hs", "1", "-negative", "0", "-binary", "1", "-iter", "3", "-threads", "4", "-min-count", "2",
            "-alpha", "0.03", "-save-vocab", "s.txt", "-read-vocab", "r.txt", "-debug", "0", "-classes", "0"];
        Assert.Equal(
            ["train", "--input", "c.txt", "--output", "v.bin", "--dim", "200", "--window", "8", "--sample", "1e-4",
             "--model", "skipgram", "--format", "binary", "--epochs", "3", "--threads", "4", "--min-count", "2",
             "--alpha", "0.03", "--save-vocab", "s.txt", "--read-vocab", "r.txt", "--quiet", "--loss", "hs"],
            Word2VecFlags.Translate(word2vec));
    }

    [Theory]
    [InlineData(new[] { "-hs", "1" }, new[] { "--loss", "hs+ns", "--negative", "5" })]  // word2vec's -negative defaults to 5
    [InlineData(new[] { "-negative", "10" }, new[] { "--loss", "ns", "--negative", "10" })]
    [InlineData(new[] { "-hs", "1", "-negative", "15" }, new[] { "--loss", "hs+ns", "--negative", "15" })]
    [InlineData(new[] { "-cbow", "1", "-binary", "0", "-debug", "2" }, new[] { "--model", "cbow", "--format", "text" })]
    public void OutputLayerFlagsCombineAsInWord2Vec(string[] flags, string[] expected) =>
        Assert.Equal(["train", .. expected], Word2VecFlags.Translate(["train", .. flags]));

    [Theory]
    [InlineData(new[] { "-classes", "100" }, "-classes: word2vec's k-means")]
    [InlineData(new[] { "-hs", "0", "-negative", "0" }, "-hs 0 -negative 0")]
    [InlineData(new[] { "-size" }, "-size: needs a value")]
    [InlineData(new[] { "-cbow", "yes" }, "-cbow: expects a whole number")]
    public void AWord2VecFlagThatCannotBeHonouredIsRefused(string[] flags, string message)
    {
        var (code, _, stderr) = Run(["train", .. flags]);
        Assert.Equal(2, code);
        Assert.StartsWith($"hsoftmax: {message}", stderr.Trim());
    }

    [Fact]
    public void AWord2VecCommandLineTrains()
    {
        using var tmp = new TempFolder();
        var rnd = new Random(3);
        string corpus = tmp.Write("c.txt", string.Concat(Enumerable.Range(0, 300).Select(_ => string.Join(" ", Enumerable.Range(0, 12).Select(_ => $"w{rnd.Next(40)}")) + "\n")));
        string output = tmp.File("v.bin");
        var (code, stdout, stderr) = Run("train", "-train", corpus, "-output", output, "-size", "12", "-cbow", "0", "-hs", "1", "-negative", "0",
            "-binary", "1", "-iter", "2", "-min-count", "1", "-threads", "1");
        Assert.True(code == 0, stderr);
        var vectors = Word2VecFile.Load(output, new VectorReadOptions { Format = VectorFormat.Binary });
        Assert.Equal((40, 12), (vectors.Count, vectors.Dim));
        Assert.Contains("Huffman tree depth", stdout);  // hierarchical softmax ran
        Assert.Contains("Training skip-gram with hs", stderr);
    }
}
