using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HSoftmax.Distributed;
using HSoftmax.Tests.Torch;
using static HSoftmax.Tests.Cli.CliRun;

namespace HSoftmax.Tests.Distributed;

/// <summary>
/// <c>train --distributed</c> under Open MPI's mpirun, on loopback, ranks oversubscribing the cores: the
/// arithmetic of several ranks is tested here, their speed in tools/scale_out.py.
/// </summary>
[Collection(nameof(RunsAlone))]
public class DistributedTrainingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    /// <summary>Runs the tool under mpirun; returns its exit code, stdout and stderr.</summary>
    private static (int Code, string Out, string Err) Mpirun(int ranks, params string[] args)
    {
        using var p = Process.Start(MpirunStart(ranks, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Limit))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"mpirun -np {ranks} did not finish within {Limit}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static ProcessStartInfo MpirunStart(int ranks, string[] args)
    {
        var tool = StartInfo(args);
        var start = new ProcessStartInfo(Tools.Mpirun!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-np", ranks.ToString(CultureInfo.InvariantCulture), "--oversubscribe", tool.FileName }.Concat(tool.ArgumentList))
            start.ArgumentList.Add(a);
        // Containers run tests as root, which mpirun refuses unless told.
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        return start;
    }

    private static string[] Train(TempFolder tmp, string model, string loss, int epochs, string output, params string[] more) =>
        Train(tmp, model, loss, epochs, 1, output, more);

    private static string[] Train(TempFolder tmp, string model, string loss, int epochs, int threads, string output, params string[] more) =>
        ["train", "--model", model, "--loss", loss, "--epochs", epochs.ToString(CultureInfo.InvariantCulture),
         "--threads", threads.ToString(CultureInfo.InvariantCulture), "--seed", "1",
         "--output", tmp.File(output), "--json", "--eval", "false", .. more];

    private static (double Loss, long Words) LastEpoch(string json)
    {
        var last = JsonDocument.Parse(json).RootElement.GetProperty("epochs").EnumerateArray().Last();
        return (last.GetProperty("loss").GetDouble(), last.GetProperty("words").GetInt64());
    }

    /// <remarks>
    /// The runs of 4 x 4 and 2 x 8 (16 threads on the machine's cores) train the threads' private copies
    /// of the hot rows, which rounds update under their locks, at the default rounds: one after every
    /// chunk of a rank, of 4,096 base rows with 4 threads and 1,024 with 8. At 4 x 8 each thread trains
    /// too few words for private copies (CpuEngine's UsesPrivateHotRows), and the rows are plain Hogwild.
    /// </remarks>
    [RequiresToolTheory("mpirun")]
    [InlineData(2, 1, "skipgram", "ns")]
    [InlineData(4, 1, "skipgram", "ns")]
    [InlineData(2, 1, "cbow", "hs")]
    [InlineData(4, 1, "cbow", "hs")]
    [InlineData(4, 4, "skipgram", "hs")]
    [InlineData(2, 8, "skipgram", "hs")]
    [InlineData(4, 8, "cbow", "hs")]
    public void RanksReachTheLossOfOneProcessWithin3Percent(int ranks, int threadsPerRank, string model, string loss)
    {
        using var tmp = new TempFolder();
        var (code, stdout, stderr) = Run(Train(tmp, model, loss, 3, "one.txt"));
        Assert.True(code == 0, stderr);
        var one = LastEpoch(stdout);

        (code, stdout, stderr) = Mpirun(ranks, Train(tmp, model, loss, 3, threadsPerRank, "many.txt", ["--distributed"]));
        Assert.True(code == 0, stderr);
        var many = LastEpoch(stdout);
        // The parts together are the corpus: each line read once, by one rank.
        Assert.Equal(one.Words, many.Words);
        Assert.InRange(many.Loss / one.Loss, 0.97, 1.03);
        Assert.Equal(ranks, JsonDocument.Parse(stdout).RootElement.GetProperty("distributed").GetProperty("ranks").GetInt32());
        // Rank 0 alone wrote the vectors, and they are sensible: the same vocabulary as one process's.
        Assert.Equal(File.ReadLines(tmp.File("one.txt")).First(), File.ReadLines(tmp.File("many.txt")).First());
        Assert.Equal(2, Directory.GetFiles(tmp.Path).Length);
    }

    /// <summary>The schedule docs/distributed.md gives: rounds per rank, not per thread; fewer rows with more threads.</summary>
    [Theory]
    [InlineData(1, 8_192, 4_096)]
    [InlineData(4, 8_192, 4_096)]
    [InlineData(5, 8_192, 1_024)]
    [InlineData(8, 8_192, 1_024)]
    [InlineData(9, 9_216, 1_024)]
    [InlineData(16, 16_384, 1_024)]
    public void RoundsFollowTheRanksWordsAndFewerRowsGoWithMoreThreads(int threads, long words, int rows)
    {
        Assert.Equal(words, DistributedTraining.DefaultSyncWords(threads));
        Assert.Equal(rows, ModelSync.BaseRows(threads));
    }

    [RequiresToolFact("mpirun")]
    public void WithOneThreadPerRankTwoRunsGiveTheSameVectors()
    {
        using var tmp = new TempFolder();
        string[] Args(string output) => Train(tmp, "cbow", "ns", 2, output, "--distributed", "--sync-words", "20000");
        var first = Mpirun(2, Args("a.txt"));
        Assert.True(first.Code == 0, first.Err);
        var second = Mpirun(2, Args("b.txt"));
        Assert.True(second.Code == 0, second.Err);
        Assert.Equal(File.ReadAllBytes(tmp.File("a.txt")), File.ReadAllBytes(tmp.File("b.txt")));
        // Rounds happened: the ranks did synchronise, not merely train the same thing.
        Assert.True(JsonDocument.Parse(first.Out).RootElement.GetProperty("distributed").GetProperty("rounds").GetInt64() >= 10, first.Out);
        // ... and the vectors are not one process's.
        var one = Run(Train(tmp, "cbow", "ns", 2, "one.txt"));
        Assert.NotEqual(File.ReadAllBytes(tmp.File("one.txt")), File.ReadAllBytes(tmp.File("a.txt")));
        Assert.Equal(0, one.Code);
    }

    [RequiresToolFact("mpirun")]
    public void ARankThatFailsSaysWhyInOneLineAndStopsTheJob()
    {
        using var tmp = new TempFolder();
        // Only rank 0 reads the vocabulary; the others wait for it, and must not wait for ever.
        var clock = Stopwatch.StartNew();
        var (code, _, stderr) = Mpirun(2, Train(tmp, "cbow", "ns", 1, "v.txt", "--distributed", "--read-vocab", tmp.File("missing.vocab")));
        Assert.NotEqual(0, code);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the job took {clock.Elapsed} to stop");
        Assert.Contains($"hsoftmax: {tmp.File("missing.vocab")}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(tmp.File("v.txt")));
    }

    [Fact]
    public void WithoutMpirunItSaysHowToStartTheRanks()
    {
        using var tmp = new TempFolder();
        var (code, _, stderr) = Run("train", "--distributed", "--output", tmp.File("v.txt"));
        Assert.Equal(1, code);
        Assert.Equal("hsoftmax: --distributed: start the ranks with mpirun, e.g. 'mpirun -np 4 hsoftmax train ... --distributed'", stderr.Trim());
        Assert.False(File.Exists(tmp.File("v.txt")));
    }

    [Theory]
    [InlineData("hsoftmax: --distributed: ranks train with the cpu engine; leave out --engine", "--engine", "torch")]
    [InlineData("hsoftmax: --checkpoint-every: with --distributed, rank 0 writes a checkpoint at the end of every epoch, where all ranks hold the same weights", "--checkpoint", "c.model", "--checkpoint-every", "10min")]
    [InlineData("hsoftmax: --sync-words: must be at least 1, got 0", "--sync-words", "0")]
    public void WhatADistributedRunCannotDoIsSaidBeforeMpiStarts(string message, params string[] args)
    {
        using var tmp = new TempFolder();
        var (code, _, stderr) = Run(["train", "--distributed", "--output", tmp.File("v.txt"), .. args.Select(a => a.EndsWith(".model", StringComparison.Ordinal) ? tmp.File(a) : a)]);
        Assert.Equal(2, code);
        Assert.Equal(message, stderr.Trim());
    }

    [Fact]
    public void SyncWordsIsOnlyForDistributedRuns()
    {
        using var tmp = new TempFolder();
        var (code, _, stderr) = Run("train", "--sync-words", "1000", "--output", tmp.File("v.txt"));
        Assert.Equal(2, code);
        Assert.Equal("hsoftmax: --sync-words: only a --distributed run takes it", stderr.Trim());
    }

    [RequiresToolFact("mpirun")]
    public void ARankThatDiesStopsTheJobAndTheJobResumesFromTheLastCheckpoint()
    {
        using var tmp = new TempFolder();
        string checkpoint = tmp.File("run.model");
        var args = Train(tmp, "skipgram", "hs", 6, "v.txt", "--distributed", "--checkpoint", checkpoint);
        using (var p = Process.Start(MpirunStart(2, args))!)
        {
            var log = new StringBuilder();
            void Drain(StreamReader from)
            {
                for (string? line; (line = from.ReadLine()) is not null;)
                    lock (log) log.AppendLine(line);
            }
            new Thread(() => Drain(p.StandardError)) { IsBackground = true }.Start();
            new Thread(() => Drain(p.StandardOutput)) { IsBackground = true }.Start();
            // Rank 0 writes a checkpoint at the end of each epoch, where all ranks hold the same weights.
            var clock = Stopwatch.StartNew();
            while (!p.HasExited && clock.Elapsed < Limit)
            {
                lock (log) if (log.ToString().Contains("Checkpoint:", StringComparison.Ordinal)) break;
                Thread.Sleep(5);
            }
            Assert.False(p.HasExited, "the job ended before a rank could be killed: " + log);
            int rank1 = RankProcess(p.Id, 1);
            Process.GetProcessById(rank1).Kill();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "the job went on waiting for the dead rank");
            p.WaitForExit();
            Assert.NotEqual(0, p.ExitCode);
            lock (log) Assert.Contains("signal 9", log.ToString(), StringComparison.Ordinal);  // mpirun names the dead rank and why
        }
        Assert.False(File.Exists(tmp.File("v.txt")), "a stopped job wrote vectors");

        var (code, stdout, stderr) = Mpirun(2, "train", "--resume", checkpoint, "--distributed", "--json");
        Assert.True(code == 0, stderr);
        Assert.Matches(new Regex(@"Resuming at epoch [2-6]/6"), stderr);
        var epochs = JsonDocument.Parse(stdout).RootElement.GetProperty("epochs").EnumerateArray().ToList();
        Assert.Equal(6, epochs.Last().GetProperty("epoch").GetInt32());
        Assert.True(File.Exists(tmp.File("v.txt")));
    }

    /// <summary>The process id of a rank of the job that <paramref name="mpirun"/> started (its descendant with that OMPI_COMM_WORLD_RANK).</summary>
    private static int RankProcess(int mpirun, int rank)
    {
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string environ = File.ReadAllText(Path.Combine(dir, "environ"));
                if (environ.Contains($"\0OMPI_COMM_WORLD_RANK={rank}\0", StringComparison.Ordinal) && DescendsFrom(pid, mpirun))
                    return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        Assert.Fail($"no process of rank {rank} found under mpirun {mpirun}");
        return 0;
    }

    private static bool DescendsFrom(int pid, int ancestor)
    {
        for (int depth = 0; depth < 8 && pid > 1; depth++)
        {
            // /proc/PID/stat: "pid (name) state ppid ..."; the name may hold spaces, so read after the last ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            pid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            if (pid == ancestor) return true;
        }
        return false;
    }
}
