using System.Diagnostics;
using HSoftmax.Cli;
using HSoftmax.Corpus;
using HSoftmax.Training;
using static HSoftmax.Tests.Cli.CliRun;

namespace HSoftmax.Tests.Training;

public class CheckpointTests
{
    private static string Corpus(TempFolder tmp)
    {
        var rnd = new Random(5);
        // 420,000 tokens over about 2,000 words, Zipf-like: three epochs take a few seconds at one thread.
        var lines = Enumerable.Range(0, 30_000).Select(_ => string.Join(" ", Enumerable.Range(0, 14).Select(_ => $"w{(int)(2000 * Math.Pow(rnd.NextDouble(), 3))}")));
        return tmp.Write("corpus.txt", string.Join("\n", lines) + "\n");
    }

    private static TrainingCheckpoint Small(TrainingOptions options)
    {
        var vocabulary = Vocabulary.FromSorted([("the", 50), ("cat", 20), ("sat", 10), ("mat", 5)]);
        var model = new Word2VecModel(4, options.Dim, options.UsesTreeOutput, options.UsesWordOutput);
        model.Initialise(7);
        model.TreeOutputArray?.AsSpan().Fill(0.5f);
        model.NoiseOutputArray?.AsSpan().Fill(-0.25f);
        return new TrainingCheckpoint
        {
            Options = options, Inputs = ["a.txt", "b.txt"], Command = ["--output", "v.bin"], Vocabulary = vocabulary, Model = model,
            Epoch = 2, ChunksDone = 17, WordsDone = 12345,
            Workers = Enumerable.Range(0, options.Threads).Select(t => new WorkerState((ulong)t * 99 + 1, 3.5 * t, 10 + t, 20 + t)).ToArray(),
            FinishedEpochs = [new EpochSummary(1, 4.25, 100, 80, 300, TimeSpan.FromSeconds(1.5))],
        };
    }

    [Fact]
    public void AModelFileReadsBackEveryField()
    {
        using var tmp = new TempFolder();
        var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.HierarchicalSoftmaxAndNegativeSampling, Dim = 6, Threads = 3, Epochs = 4, Alpha = 0.03f, MaxVocab = 9 };
        var saved = Small(options);
        ModelFile.Save(saved, tmp.File("m.model"));
        var loaded = ModelFile.Load(tmp.File("m.model"));
        Assert.Equal(options, loaded.Options);
        Assert.Equal(saved.Inputs, loaded.Inputs);
        Assert.Equal(saved.Command, loaded.Command);
        Assert.Equal(Enumerable.Range(0, 4).Select(saved.Vocabulary.GetWord), Enumerable.Range(0, loaded.Vocabulary.Count).Select(loaded.Vocabulary.GetWord));
        Assert.Equal(saved.Vocabulary.Counts.ToArray(), loaded.Vocabulary.Counts.ToArray());
        Assert.Equal(saved.Model.InputArray, loaded.Model.InputArray);
        Assert.Equal(saved.Model.TreeOutputArray, loaded.Model.TreeOutputArray);
        Assert.Equal(saved.Model.NoiseOutputArray, loaded.Model.NoiseOutputArray);
        Assert.Equal((2, 17L, 12345L), (loaded.Epoch, loaded.ChunksDone, loaded.WordsDone));
        Assert.Equal(saved.Workers, loaded.Workers);
        Assert.Equal(saved.FinishedEpochs, loaded.FinishedEpochs);
    }

    [Fact]
    public void ACorruptForeignNewerOrInconsistentModelFileIsRefusedWithItsCause()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("m.model");
        ModelFile.Save(Small(new TrainingOptions { Loss = LossKind.NegativeSampling, Dim = 6, Threads = 1 }), path);
        byte[] good = File.ReadAllBytes(path);

        string Refusal(byte[] bytes)
        {
            File.WriteAllBytes(path, bytes);
            return Assert.Throws<ModelFileException>(() => ModelFile.Load(path)).Message;
        }

        byte[] flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 1;
        Assert.Contains("checksum mismatch", Refusal(flipped));
        Assert.Contains("checksum mismatch", Refusal(good[..^100]));
        Assert.Contains("not an HSoftmax model file", Refusal("3 2\nking 1 0\n"u8.ToArray()));
        byte[] newer = (byte[])good.Clone();
        newer[8] = 2;
        Assert.Contains("model file version 2; this build reads version 1", Refusal(newer));

        var wrongDim = Small(new TrainingOptions { Loss = LossKind.NegativeSampling, Dim = 6, Threads = 1 });
        ModelFile.Save(new TrainingCheckpoint
        {
            Options = wrongDim.Options with { Dim = 8 }, Inputs = wrongDim.Inputs, Vocabulary = wrongDim.Vocabulary, Model = wrongDim.Model,
            Epoch = 1, ChunksDone = 0, WordsDone = 0, Workers = wrongDim.Workers, FinishedEpochs = [],
        }, path);
        Assert.Contains("the weights have dimension 6 but the options say 8", Assert.Throws<ModelFileException>(() => ModelFile.Load(path)).Message);
    }

    [Fact]
    public void ARunKilledMidEpochAndResumedEndsBitForBitAsOneThatNeverStopped()
    {
        using var tmp = new TempFolder();
        string corpus = Corpus(tmp);
        string[] train = ["train", "--input", corpus, "--format", "binary", "--model", "skipgram", "--loss", "hs+ns", "--dim", "24",
            "--epochs", "3", "--threads", "1", "--min-count", "1", "--sample", "1e-3"];
        var (code, _, stderr) = Run([.. train, "--output", tmp.File("whole.bin"), "-q"]);
        Assert.True(code == 0, stderr);

        // The same run with a checkpoint every 40,000 words, killed (SIGKILL: no chance to clean up) once one is written mid-epoch.
        string checkpoint = tmp.File("run.model");
        KillAfterCheckpoints([.. train, "--output", tmp.File("resumed.bin"), "--checkpoint", checkpoint, "--checkpoint-every", "40k"], 3);
        Assert.False(File.Exists(tmp.File("resumed.bin")));
        var killedAt = ModelFile.Load(checkpoint);
        Assert.False(killedAt.Finished);
        Assert.True(killedAt.WordsDone > 0);

        (code, _, stderr) = Run("train", "--resume", checkpoint, "-q");
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(tmp.File("whole.bin")), File.ReadAllBytes(tmp.File("resumed.bin")));
        Assert.True(ModelFile.Load(checkpoint).Finished);
    }

    [Fact]
    public void WithFourThreadsAResumedEpochTrainsEachRemainingChunkOnce()
    {
        using var tmp = new TempFolder();
        string corpus = Corpus(tmp);
        string checkpoint = tmp.File("run.model");
        KillAfterCheckpoints(["train", "--input", corpus, "--output", tmp.File("v.bin"), "--format", "binary", "--model", "skipgram", "--loss", "hs",
            "--dim", "24", "--epochs", "3", "--threads", "4", "--min-count", "1", "--checkpoint", checkpoint, "--checkpoint-every", "40k"], 1);
        var killedAt = ModelFile.Load(checkpoint);
        Assert.False(killedAt.Finished);
        Assert.True(killedAt.ChunksDone >= 1, "the checkpoint was not taken inside an epoch");
        var (code, _, stderr) = Run("train", "--resume", checkpoint);
        Assert.True(code == 0, stderr);
        // Chunks differ in size, so an epoch that trained one chunk twice and skipped another would not
        // come to the corpus's 420,000 words exactly.
        var epochs = System.Text.RegularExpressions.Regex.Matches(stderr, @"Epoch (\d)/3: loss [\d.]+, ([\d,]+) words");
        Assert.NotEmpty(epochs);
        Assert.All(epochs, m => Assert.Equal("420,000", m.Groups[2].Value));
    }

    /// <summary>Runs the tool as a process and kills it (SIGKILL) once it has logged <paramref name="checkpoints"/> checkpoints.</summary>
    private static void KillAfterCheckpoints(string[] args, int checkpoints)
    {
        var start = StartInfo(args);
        start.RedirectStandardError = start.RedirectStandardOutput = true;
        using (var p = Process.Start(start)!)
        {
            var log = new System.Text.StringBuilder();
            // Read on threads of their own: the thread pool's DataReceived callbacks lagged seconds behind
            // when the whole suite ran, and the run finished before the third checkpoint was seen.
            void Drain(StreamReader from, bool keep)
            {
                for (string? line; (line = from.ReadLine()) is not null;)
                    if (keep) lock (log) log.AppendLine(line);
            }
            new Thread(() => Drain(p.StandardError, true)) { IsBackground = true }.Start();
            new Thread(() => Drain(p.StandardOutput, false)) { IsBackground = true }.Start();
            var clock = Stopwatch.StartNew();
            while (!p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                lock (log) if (log.ToString().Split('\n').Count(l => l.Contains("Checkpoint:", StringComparison.Ordinal)) >= checkpoints) break;
                Thread.Sleep(5);
            }
            Assert.False(p.HasExited, "the run ended before it could be killed: " + log);
            p.Kill();
            p.WaitForExit();
        }
    }

    [Fact]
    public void AResumedRunTakesOnlyOutputOptions()
    {
        using var tmp = new TempFolder();
        string corpus = Corpus(tmp);
        var (code, _, stderr) = Run("train", "--input", corpus, "--output", tmp.File("v.txt"), "--dim", "8", "--epochs", "1", "--threads", "1",
            "--min-count", "1", "-q", "--checkpoint", tmp.File("m.model"));
        Assert.True(code == 0, stderr);
        (code, _, stderr) = Run("train", "--resume", tmp.File("m.model"), "--dim", "16");
        Assert.Equal(2, code);
        Assert.StartsWith("hsoftmax: --dim: a resumed run keeps the checkpoint's inputs and options", stderr.Trim());
        (code, _, stderr) = Run("train", "--resume", tmp.File("m.model"), "--output", tmp.File("again.txt"), "-q");
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllText(tmp.File("v.txt")), File.ReadAllText(tmp.File("again.txt")));
    }

    [Theory]
    [InlineData("90s", 90.0, null)]
    [InlineData("30min", 1800.0, null)]
    [InlineData("2h", 7200.0, null)]
    [InlineData("5000000", null, 5_000_000L)]
    [InlineData("500k", null, 500_000L)]
    [InlineData("50M", null, 50_000_000L)]
    [InlineData("2G", null, 2_000_000_000L)]
    public void CheckpointIntervalsAreDurationsOrWords(string text, double? seconds, long? words)
    {
        var (time, count) = TrainCommand.ParseInterval(text);
        Assert.Equal(seconds, time?.TotalSeconds);
        Assert.Equal(words, count);
    }

    [Theory]
    [InlineData("10 minutes")]
    [InlineData("0")]
    [InlineData("-5s")]
    public void ABadCheckpointIntervalIsAUsageError(string text) =>
        Assert.StartsWith("--checkpoint-every:", Assert.Throws<ArgumentException>(() => TrainCommand.ParseInterval(text)).Message);
}

public class ContinuedTrainingTests
{
    [Fact]
    public void CountsMergeNewWordsJoinAndEveryOldWordKeepsItsRows()
    {
        var options = new TrainingOptions { Loss = LossKind.HierarchicalSoftmaxAndNegativeSampling, Dim = 3, MinCount = 5, Threads = 1 };
        var old = Vocabulary.FromSorted([("the", 50), ("cat", 20), ("sat", 10), ("mat", 5)]);
        var model = new Word2VecModel(4, 3, true, true);
        for (int i = 0; i < model.InputArray.Length; i++) { model.InputArray[i] = i + 1; model.NoiseOutputArray![i] = -(i + 1); }
        for (int i = 0; i < model.TreeOutputArray!.Length; i++) model.TreeOutputArray[i] = 100 + i;
        var from = new TrainingCheckpoint
        {
            Options = options, Inputs = [], Vocabulary = old, Model = model, Epoch = 6, ChunksDone = 0, WordsDone = 0,
            Workers = [new WorkerState(1, 0, 0, 0)], FinishedEpochs = [],
        };
        // New text: "dog" 8 times joins, "cow" twice stays out (min-count 5), "mat" stays though rare in the new text.
        var newCounts = Vocabulary.FromSorted([("the", 10), ("dog", 8), ("cow", 2), ("cat", 1)]);
        var (vocabulary, start, tree, stats) = ContinuedTraining.Prepare(from, newCounts, options);

        Assert.Equal(["the", "cat", "sat", "dog", "mat"], Enumerable.Range(0, vocabulary.Count).Select(vocabulary.GetWord));
        Assert.Equal([60L, 21, 10, 8, 5], vocabulary.Counts.ToArray());
        Assert.Equal((4, 1, 0, 4), (stats.OldWords, stats.NewWords, stats.DroppedWords, stats.TreeRows));
        foreach (string word in new[] { "the", "cat", "sat", "mat" })
        {
            int o = old.IndexOf(word), n = vocabulary.IndexOf(word);
            Assert.Equal(model.InputArray.AsSpan(o * 3, 3).ToArray(), start.InputArray.AsSpan(n * 3, 3).ToArray());
            Assert.Equal(model.NoiseOutputArray.AsSpan(o * 3, 3).ToArray(), start.NoiseOutputArray.AsSpan(n * 3, 3).ToArray());
        }
        int dog = vocabulary.IndexOf("dog");
        Assert.All(start.InputArray.AsSpan(dog * 3, 3).ToArray(), v => Assert.InRange(v, -1f / 3, 1f / 3));  // fresh, as a new run's
        // Every old word stayed, so the old tree is kept whole (its 3 trained rows) and "dog" joins under a new root.
        Assert.NotNull(tree);
        Assert.Equal(3, stats.TreeRowsKept);
        var rows = start.TreeOutputArray!.Chunk(3).ToList();
        Assert.Single(rows, row => row.All(v => v == 0));                       // the new root
        Assert.Equal(Enumerable.Range(100, 9).Select(v => (float)v), rows.Where(r => r[0] != 0).OrderBy(r => r[0]).SelectMany(r => r));
    }

    [Fact]
    public void AContinuedPlanHandsItsWeightsToOneEngineAndAResumeChecksItsThreads()
    {
        using var tmp = new TempFolder();
        var options = new TrainingOptions { Loss = LossKind.HierarchicalSoftmax, Dim = 3, MinCount = 1, Threads = 2 };
        var vocabulary = Vocabulary.FromSorted([("the", 50), ("cat", 20), ("sat", 10), ("mat", 5)]);
        var model = new Word2VecModel(4, 3, true, false);
        model.Initialise(5);
        var from = new TrainingCheckpoint
        {
            Options = options, Inputs = [], Vocabulary = vocabulary, Model = model, Epoch = 6, ChunksDone = 0, WordsDone = 1000,
            Workers = [new WorkerState(1, 0, 0, 0), new WorkerState(2, 0, 0, 0)], FinishedEpochs = [],
        };
        string text = tmp.Write("new.txt", "the cat sat on the mat\n");
        var plan = TrainingPlan.Continue(from, new CorpusReader([text]), options);
        var start = plan.CreateModel();
        // The carried rows are trained in place, not copied again: a second engine would need the plan again.
        Assert.Equal(model.InputArray.AsSpan(0, 3).ToArray(), start.InputArray.AsSpan(0, 3).ToArray());
        Assert.Throws<InvalidOperationException>(plan.CreateModel);
        // A checkpoint whose thread states do not match its thread count is refused before any work.
        var broken = new TrainingCheckpoint
        {
            Options = options, Inputs = [], Vocabulary = vocabulary, Model = model, Epoch = 2, ChunksDone = 3, WordsDone = 10,
            Workers = [new WorkerState(1, 0, 0, 0)], FinishedEpochs = [],
        };
        Assert.Contains("1 threads' states for 2 threads", Assert.Throws<ArgumentException>(() => TrainingPlan.Resume(broken)).Message);
    }

    [Fact]
    public void TheToolContinuesAModelOnNewText()
    {
        using var tmp = new TempFolder();
        var rnd = new Random(9);
        string Text(string name, int words) => tmp.Write(name, string.Concat(Enumerable.Range(0, 2000).Select(_ => string.Join(" ", Enumerable.Range(0, 10).Select(_ => $"w{rnd.Next(words)}")) + "\n")));
        string a = Text("a.txt", 50), b = Text("b.txt", 70);  // b brings w50..w69
        var (code, _, stderr) = Run("train", "--input", a, "--output", tmp.File("a.vec"), "--model", "skipgram", "--loss", "hs", "--dim", "10",
            "--epochs", "1", "--threads", "1", "--min-count", "1", "-q", "--checkpoint", tmp.File("a.model"));
        Assert.True(code == 0, stderr);
        (code, _, stderr) = Run("train", "--continue", tmp.File("a.model"), "--input", b, "--output", tmp.File("ab.vec"), "--threads", "1", "--epochs", "2");
        Assert.True(code == 0, stderr);
        Assert.Contains("Continuing a model of 50 words", stderr);
        Assert.Contains("20 new words", stderr);
        Assert.Contains("Huffman tree: the old one kept with its 49 trained rows", stderr);
        // 20,000 old words (1 epoch), 2 x 20,000 new ones: as one run, the rate would be at 2/3 of 0.025.
        Assert.Contains("Learning rate from 0.01667", stderr);
        Assert.Equal(70, HSoftmax.Vectors.Word2VecFile.Load(tmp.File("ab.vec")).Count);
        (code, _, stderr) = Run("train", "--continue", tmp.File("a.model"), "--input", b, "--dim", "20");
        Assert.Equal(2, code);
        Assert.Contains("--dim: a continued run keeps the model's shape", stderr);
    }
}
