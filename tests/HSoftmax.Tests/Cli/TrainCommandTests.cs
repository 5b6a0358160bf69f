using HSoftmax.Vectors;
using static HSoftmax.Tests.Cli.CliRun;

namespace HSoftmax.Tests.Cli;

public class TrainCommandTests
{
    private static string Corpus(TempFolder tmp)
    {
        var rnd = new Random(3);
        var lines = Enumerable.Range(0, 400).Select(_ => string.Join(" ", Enumerable.Range(0, 15).Select(_ => $"w{rnd.Next(60)}")));
        return tmp.Write("corpus.txt", string.Join("\n", lines) + "\n");
    }

    [Fact]
    public void TrainsAndWritesBinaryVectors()
    {
        using var tmp = new TempFolder();
        string output = tmp.File("v.bin");
        var (code, stdout, stderr) = Run("train", "--input", Corpus(tmp), "--output", output, "--format", "binary", "--model", "skipgram",
            "--loss", "hs+ns", "--dim", "12", "--epochs", "2", "--threads", "1", "--min-count", "1", "--save-vocab", tmp.File("vocab.txt"));
        Assert.True(code == 0, stderr);
        var vectors = Word2VecFile.Load(output, new VectorReadOptions { Format = VectorFormat.Binary });
        Assert.Equal(60, vectors.Count);
        Assert.Equal(12, vectors.Dim);
        Assert.Equal(60, File.ReadAllLines(tmp.File("vocab.txt")).Length);
        Assert.Contains("Huffman tree depth", stdout);
        Assert.Contains("Nearest neighbours", stdout);
    }

    [Fact]
    public void JsonSummaryIsOneObjectWithTheRunsFigures()
    {
        using var tmp = new TempFolder();
        string output = tmp.File("v.txt");
        var (code, stdout, stderr) = Run("train", "--input", Corpus(tmp), "--output", output, "--model", "skipgram", "--loss", "hs", "--dim", "12",
            "--epochs", "2", "--threads", "1", "--min-count", "1", "--eval", "true", "--json");
        Assert.True(code == 0, stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);  // stdout holds the object and nothing else
        var r = doc.RootElement;
        Assert.Equal("hs", r.GetProperty("loss").GetString());
        Assert.Equal(60, r.GetProperty("vocabulary").GetProperty("words").GetInt32());
        Assert.Equal(6000, r.GetProperty("vocabulary").GetProperty("tokens").GetInt64());
        Assert.Equal(59, r.GetProperty("tree").GetProperty("inner_nodes").GetInt32());
        var epochs = r.GetProperty("epochs").EnumerateArray().ToList();
        Assert.Equal(2, epochs.Count);
        Assert.All(epochs, e => Assert.Equal(6000, e.GetProperty("words").GetInt64()));
        Assert.All(epochs, e => Assert.InRange(e.GetProperty("loss").GetDouble(), 1.0, 20.0));  // -log P of a 60-word tree's path: a few nats
        Assert.All(epochs, e => Assert.True(e.GetProperty("predictions").GetInt64() > 0 && e.GetProperty("words_per_second").GetDouble() > 0));
        Assert.Equal(Path.GetFullPath(output), r.GetProperty("outputs").GetProperty("vectors").GetString());
        Assert.Equal(60, Word2VecFile.Load(output).Count);
        Assert.True(r.GetProperty("evaluation").GetProperty("similarity").GetArrayLength() > 0);
    }

    [Fact]
    public void GpuEngineTrainsOnIlgpusCpuAccelerator()
    {
        using var tmp = new TempFolder();
        string output = tmp.File("v.txt");
        var (code, stdout, stderr) = Run("train", "--input", Corpus(tmp), "--output", output, "--engine", "gpu", "--device", "cpu", "--model", "skipgram",
            "--loss", "hs", "--dim", "12", "--epochs", "2", "--min-count", "1", "--sample", "0");
        Assert.True(code == 0, stderr);
        Assert.Equal(60, Word2VecFile.Load(output).Count);
        Assert.Contains("GPU engine on ILGPU's CPU accelerator", stderr);
        Assert.Contains("words/s on the gpu engine", stdout);
        var losses = stdout.Split('\n').Where(l => l.StartsWith("Epoch ", StringComparison.Ordinal)).Select(l => double.Parse(l.Split("loss ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, losses.Count);
        Assert.True(losses[1] < losses[0], string.Join(", ", losses));
    }

    [Theory]
    [InlineData("--dim", "0", "--dim")]
    [InlineData("--window", "-1", "--window")]
    [InlineData("--min-alpha", "1", "--min-alpha")]
    [InlineData("--threads", "0", "--threads")]
    [InlineData("--max-sentence-length", "0", "--max-sentence-length")]
    public void OutOfRangeOptionIsOneLineNamingIt(string option, string value, string named)
    {
        using var tmp = new TempFolder();
        var (code, _, stderr) = Run("train", "--input", Corpus(tmp), "--output", tmp.File("v.txt"), option, value);
        Assert.Equal(2, code);
        Assert.StartsWith($"hsoftmax: {named}", stderr.Trim());
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(tmp.File("v.txt")));
    }

    [Fact]
    public void UnknownChoiceIsRejected()
    {
        var (code, _, stderr) = Run("train", "--loss", "softmax");
        Assert.NotEqual(0, code);
        Assert.Contains("softmax", stderr);
    }

    [Fact]
    public void BadCorpusIsOneLineNamingTheFileAndNoOutput()
    {
        using var tmp = new TempFolder();
        string bad = tmp.Write("bad.txt", [.. "good words\n"u8, 0xff, 0xfe, .. " more\n"u8]);
        string output = tmp.File("v.txt");
        var (code, _, stderr) = Run("train", "--input", bad, "--output", output, "--min-count", "1");
        Assert.Equal(1, code);
        Assert.Contains($"{bad}:2:", stderr);
        Assert.DoesNotContain("   at ", stderr);  // no stack trace
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void MissingInputAndMissingOutputFolderAreClearErrors()
    {
        using var tmp = new TempFolder();
        var (code, _, stderr) = Run("train", "--input", tmp.File("nope.txt"), "--output", tmp.File("v.txt"));
        Assert.Equal(1, code);
        Assert.Contains("nope.txt: no such file", stderr);

        (code, _, stderr) = Run("train", "--input", Corpus(tmp), "--output", tmp.File("no/such/dir/v.txt"));
        Assert.Equal(2, code);
        Assert.Contains("--output", stderr);
    }

    [Fact]
    public void TorchEngineTrainsAndWritesTheSameFormat()
    {
        using var tmp = new TempFolder();
        string output = tmp.File("v.txt");
        var (code, stdout, stderr) = Run("train", "--engine", "torch", "--device", "cpu", "--batch", "512", "--input", Corpus(tmp), "--output", output,
            "--model", "skipgram", "--loss", "sampled", "--samples", "16", "--proposal", "unigram", "--dim", "12", "--epochs", "2", "--min-count", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("TorchSharp engine on cpu", stderr);
        var vectors = Word2VecFile.Load(output);
        Assert.Equal(60, vectors.Count);
        Assert.Equal(12, vectors.Dim);
        Assert.Contains("Nearest neighbours", stdout);
    }

    [Theory]
    [InlineData("--batch", "--batch: only the torch engine", "--batch", "64")]
    [InlineData("--device", "--device: the cpu engine runs on the CPU", "--device", "cuda")]
    [InlineData("--gpu-warps", "--gpu-warps: only the gpu engine", "--engine", "torch", "--gpu-warps", "64")]
    [InlineData("--batch", "--batch: only the torch engine", "--engine", "gpu", "--batch", "64")]
    [InlineData("--gpu-warps", "--gpu-warps: must be in 1..1048576", "--engine", "gpu", "--gpu-warps", "-1")]
    [InlineData("--device", "--device: must be cuda, cuda:N, auto or cpu", "--engine", "gpu", "--device", "tpu")]
    [InlineData("--loss", "--loss sampled: the gpu engine trains hs, ns, hs+ns", "--engine", "gpu", "--device", "cpu", "--loss", "sampled")]
    [InlineData("--loss", "--loss sampled: the cpu engine trains hs, ns, hs+ns; --engine picks another", "--loss", "sampled")]
    [InlineData("--samples", "--samples: only sampled softmax", "--engine", "torch", "--loss", "hs", "--samples", "5")]
    [InlineData("--loss", "--loss hs+ns: the torch engine trains hs, ns, sampled, softmax", "--engine", "torch", "--loss", "hs+ns")]
    [InlineData("--device", "--device: must be cpu, cuda", "--engine", "torch", "--device", "tpu")]
    public void EngineOptionsOutOfPlaceAreOneLineNamingThem(string _, string message, params string[] args)
    {
        using var tmp = new TempFolder();
        var (code, _, stderr) = Run(["train", "--input", Corpus(tmp), "--output", tmp.File("v.txt"), "--min-count", "1", .. args]);
        Assert.Equal(2, code);
        Assert.StartsWith($"hsoftmax: {message}", stderr.Trim().Split('\n')[^1]);
        Assert.False(File.Exists(tmp.File("v.txt")));
    }
}
