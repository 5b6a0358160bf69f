using System.Diagnostics;
using System.Security.Cryptography;
using HSoftmax.Corpus;
using HSoftmax.Vectors;
using static HSoftmax.Tests.Cli.CliRun;

namespace HSoftmax.Tests.Cli;

/// <summary>
/// What a hostile but fair user tried (issue #13): outputs that would destroy an input or a device node,
/// folders that never end, runs that diverge, errors found only after training, tiny vocabularies,
/// standard input and signals. Each case failed before its fix.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ReliabilityTests
{
    private static string Corpus(TempFolder tmp, string name = "corpus.txt", int words = 60)
    {
        var rnd = new Random(3);
        var lines = Enumerable.Range(0, 300).Select(_ => string.Join(" ", Enumerable.Range(0, 15).Select(_ => $"w{rnd.Next(words)}")));
        return tmp.Write(name, string.Join("\n", lines) + "\n");
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static string[] Quick(string input, string output, params string[] more) =>
        ["train", "--input", input, "--output", output, "--dim", "8", "--epochs", "1", "--threads", "1", "--min-count", "1", "-q", .. more];

    private static void Shell(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardError = true })!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{command}: {p.StandardError.ReadToEnd()}");
    }

    [Theory]
    [InlineData("--output", "corpus.txt", "is the input file")]
    [InlineData("--save-vocab", "corpus.txt", "is the input file")]
    [InlineData("--output", "link.txt", "is the input file")]
    [InlineData("--output", "in/vectors.txt", "inside the input folder")]
    public void AnOutputThatWouldDestroyTheCorpusIsRefusedBeforeTraining(string option, string target, string why)
    {
        using var tmp = new TempFolder();
        string corpus = Corpus(tmp);
        Directory.CreateDirectory(tmp.File("in"));
        File.Copy(corpus, tmp.File("in/part.txt"));
        File.CreateSymbolicLink(tmp.File("link.txt"), corpus);
        string before = Hash(corpus);
        string input = target.StartsWith("in/", StringComparison.Ordinal) ? tmp.File("in") : corpus;
        string[] args = option == "--output"
            ? Quick(input, tmp.File(target))
            : Quick(input, tmp.File("v.txt"), option, tmp.File(target));
        var (code, _, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith($"hsoftmax: {option}:", stderr.Trim());
        Assert.Contains(why, stderr);
        Assert.Equal(before, Hash(corpus));
        Assert.False(File.Exists(tmp.File("in/vectors.txt")));
        Assert.False(File.Exists(tmp.File("v.txt")));
    }

    [Fact]
    public async Task AFifoOutputIsWrittenIntoAndStaysAFifo()
    {
        using var tmp = new TempFolder();
        string fifo = tmp.File("out.fifo");
        Shell($"mkfifo '{fifo}'");
        var reading = Task.Run(() => File.ReadAllText(fifo));  // blocks until the run opens the FIFO to write
        var (code, _, stderr) = Run(Quick(Corpus(tmp), fifo));
        Assert.True(code == 0, stderr);
        string written = await reading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("60 8\n", written);
        Assert.Equal(61, written.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(FileKind.Special, FileStat.Kind(fifo));  // not replaced by a regular file
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp"));
    }

    [Fact]
    public void WritingThroughASymlinkKeepsTheLinkAndTheFileMode()
    {
        using var tmp = new TempFolder();
        string real = tmp.Write("real.txt", "old\n");
        File.SetUnixFileMode(real, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        string link = tmp.File("out.lnk");
        File.CreateSymbolicLink(link, real);
        var (code, _, stderr) = Run(Quick(Corpus(tmp), link));
        Assert.True(code == 0, stderr);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(60, Word2VecFile.Load(real).Count);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(real));
    }

    [Fact]
    public async Task ASymlinkLoopAndAFifoInAFolderAreWalkedOnce()
    {
        using var tmp = new TempFolder();
        string d = tmp.File("d");
        Directory.CreateDirectory(Path.Combine(d, "sub"));
        File.WriteAllText(Path.Combine(d, "a.txt"), "a b c\n");
        File.WriteAllText(Path.Combine(d, "sub", "b.txt"), "d e f\n");
        File.CreateSymbolicLink(Path.Combine(d, "sub", "up"), "..");
        File.CreateSymbolicLink(Path.Combine(d, "self"), "../d");
        Shell($"mkfifo '{Path.Combine(d, "pipe")}'");
        var files = await Task.Run(() => CorpusFiles.Expand([d])).WaitAsync(TimeSpan.FromSeconds(20));  // before the fix: endless
        Assert.Equal([Path.Combine(d, "a.txt"), Path.Combine(d, "sub", "b.txt")], files);
    }

    [Theory]
    [InlineData("cpu", "ns")]
    [InlineData("torch", "ns")]
    [InlineData("torch", "sampled")]
    public void DivergenceStopsTheRunWithTheLikelyCauseAndWritesNothing(string engine, string loss)
    {
        using var tmp = new TempFolder();
        string output = tmp.File("v.txt");
        string[] device = engine == "torch" ? ["--device", "cpu", "--samples", "16"] : [];
        if (loss != "sampled") device = device.Where(a => a is not "--samples" and not "16").ToArray();
        var (code, _, stderr) = Run(["train", "--input", Corpus(tmp), "--output", output, "--dim", "8", "--epochs", "20", "--min-count", "1", "-q",
            "--alpha", "10", "--engine", engine, "--loss", loss, .. device]);
        Assert.Equal(1, code);
        Assert.Contains("training diverged in epoch", stderr);
        Assert.Contains("alpha 10", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("--save-vocab", "missing/vocab.txt")]
    [InlineData("--output", "missing/v.txt")]
    public void AnOutputThatCannotBeWrittenIsRefusedBeforeReadingTheCorpus(string option, string path)
    {
        using var tmp = new TempFolder();
        string[] args = option == "--output" ? Quick(Corpus(tmp), tmp.File(path)) : Quick(Corpus(tmp), tmp.File("v.txt"), option, tmp.File(path));
        var (code, _, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal($"hsoftmax: {option}: folder {Path.GetDirectoryName(tmp.File(path))} does not exist", stderr.Trim());
        Assert.False(File.Exists(tmp.File("v.txt")));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(10)]
    [InlineData(50)]
    public void ASmallVocabularyTrainsAndPrintsItsSummary(int words)
    {
        using var tmp = new TempFolder();
        string output = tmp.File("v.txt");
        var (code, stdout, stderr) = Run(Quick(Corpus(tmp, words: 60), output, "--max-vocab", words.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(code == 0, stderr);
        Assert.Equal(words, Word2VecFile.Load(output).Count);
        Assert.Contains("Nearest neighbours", stdout);
    }

    [Fact]
    public void AReadVocabularyThatMissesTheCorpusIsAnErrorNotUntrainedVectors()
    {
        using var tmp = new TempFolder();
        string vocab = tmp.Write("vocab.txt", "zzz 5\nyyy 4\n");
        string output = tmp.File("v.txt");
        var (code, _, stderr) = Run(Quick(Corpus(tmp), output, "--read-vocab", vocab));
        Assert.Equal(1, code);
        Assert.Contains("no word of the corpus is in the vocabulary", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void StandardInputIsCopiedOnceAndTrainedOn()
    {
        using var tmp = new TempFolder();
        string corpus = Corpus(tmp);
        using var spool = CorpusSpool.Create(["-", corpus], () => File.OpenRead(corpus));
        Assert.Equal(2, spool.Files.Count);
        Assert.Equal(corpus, spool.Files[1]);
        Assert.Equal(File.ReadAllBytes(corpus), File.ReadAllBytes(spool.Files[0]));
        Assert.Equal(("-", new FileInfo(corpus).Length), spool.Copied.Single());
        string copy = spool.Files[0];
        spool.Dispose();
        Assert.False(File.Exists(copy));
    }

    [Theory]
    [InlineData("-")]
    [InlineData("/dev/stdin")]
    public void PipedTextTrainsThroughTheTool(string input)
    {
        using var tmp = new TempFolder();
        string corpus = Corpus(tmp);
        string output = tmp.File("v.txt");
        var (code, _, stderr) = RunProcess([.. Quick(input, output).Where(a => a != "-q")], File.ReadAllBytes(corpus));
        Assert.True(code == 0, stderr);
        Assert.Equal(60, Word2VecFile.Load(output).Count);
        Assert.Contains("Copied", stderr);
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public void ASignalStopsTheRunSaysSoAndLeavesNoFiles(string signal, int expected)
    {
        using var tmp = new TempFolder();
        string corpus = Corpus(tmp, words: 2000);
        string output = tmp.File("v.txt");
        var start = StartInfo(["train", "--input", corpus, "--output", output, "--epochs", "10000", "--threads", "1", "--min-count", "1"]);
        start.RedirectStandardError = true;
        using var p = Process.Start(start)!;
        var err = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (err) err.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!err.ToString().Contains("Epoch 1/", StringComparison.Ordinal) && !p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(50);
        Assert.False(p.HasExited, err.ToString());
        Shell($"kill -{signal} {p.Id}");
        Assert.True(p.WaitForExit(30_000), "the run did not stop");
        p.WaitForExit();
        Assert.Equal(expected, p.ExitCode);
        Assert.Contains("hsoftmax: cancelled; no output written", err.ToString());
        Assert.Equal([corpus], Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void ACancelledWriteLeavesTheOldFileAndNoTemporaryFile()
    {
        using var tmp = new TempFolder();
        string path = tmp.Write("v.txt", "old\n");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            cancel.Cancel();
            stream.Write(new byte[1000]);
        }, cancel.Token));
        Assert.Equal("old\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void AByteOrderMarkIsNotPartOfTheFirstWord()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("bom.txt", [0xEF, 0xBB, 0xBF, .. "alpha beta\nalpha\n"u8]);
        var vocabulary = VocabularyBuilder.Build(new CorpusReader([file]), 1, null, out _);
        Assert.Equal(0, vocabulary.IndexOf("alpha"u8));
        Assert.Equal(2, vocabulary.Count);
    }

    [Fact]
    public void BadUtf8InAReadVocabularyNamesTheFile()
    {
        using var tmp = new TempFolder();
        string vocab = tmp.Write("vocab.txt", [.. "good 5\n"u8, 0xff, 0xfe, .. " 3\n"u8]);
        var (code, _, stderr) = Run(Quick(Corpus(tmp), tmp.File("v.txt"), "--read-vocab", vocab));
        Assert.Equal(1, code);
        Assert.StartsWith($"hsoftmax: {vocab}: invalid UTF-8 near line", stderr.Trim());
    }

    [Fact]
    public void CudaAskedForWithoutCudaIsRefusedBeforeTheCorpusIsRead()
    {
        using var tmp = new TempFolder();
        if (TorchSharp.torch.cuda.is_available()) return;  // a CUDA machine: nothing to refuse
        var (code, _, stderr) = Run("train", "--input", Corpus(tmp), "--output", tmp.File("v.txt"), "--engine", "torch", "--device", "cuda", "--min-count", "1");
        Assert.Equal(2, code);
        Assert.Contains("--device: CUDA was asked for", stderr);
        Assert.DoesNotContain("Vocabulary:", stderr);  // the counting pass never ran
    }

    [Fact]
    public void SampledSoftmaxWithAsManyCandidatesAsWordsIsRefused()
    {
        using var tmp = new TempFolder();
        var (code, _, stderr) = Run(Quick(Corpus(tmp), tmp.File("v.txt"), "--engine", "torch", "--device", "cpu", "--loss", "sampled", "--samples", "100000"));
        Assert.Equal(2, code);
        Assert.Contains("--samples: 100,000 candidates are not fewer than the vocabulary's 60 words", stderr);
    }

    [Fact]
    public void RepeatedWordsInAVectorsFileAndMalformedEvaluationLinesAreReported()
    {
        using var tmp = new TempFolder();
        string vectors = tmp.Write("v.txt", "3 2\nking 1 0\nqueen 0 1\nking 0.5 0.5\n");
        string pairs = tmp.Write("pairs.txt", "king queen 5\nthis line is malformed\n");
        var (code, _, stderr) = Run("eval", vectors, "--similarity", pairs);
        Assert.True(code == 0, stderr);
        Assert.Contains("1 record(s) repeat a word read before (the first: 'king')", stderr);
        Assert.Contains("pairs.txt: 1 malformed line(s) skipped", stderr);
    }

    [Fact]
    public void TheMemoryCheckUsesWhatIsAvailableNowNotTheTotal()
    {
        long now = HSoftmax.Training.AvailableMemory.Bytes();
        Assert.InRange(now, 1L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        if (File.Exists("/proc/meminfo"))
        {
            long kb = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(now, Math.Min(kb * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes) / 2, kb * 1024 * 2);
        }
    }

    private static (int Code, string Out, string Err) RunProcess(string[] args, byte[] stdin)
    {
        var start = StartInfo(args);
        start.RedirectStandardInput = start.RedirectStandardOutput = start.RedirectStandardError = true;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.BaseStream.Write(stdin);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(120_000), "the run did not end");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
