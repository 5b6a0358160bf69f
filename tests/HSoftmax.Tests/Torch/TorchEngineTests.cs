using System.Diagnostics;
using HSoftmax.Corpus;
using HSoftmax.Evaluation;
using HSoftmax.Torch;
using HSoftmax.Tests.Training;
using HSoftmax.Training;

namespace HSoftmax.Tests.Torch;

/// <summary>Runs alone: its memory test reads the whole process's resident set.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

[Collection(nameof(RunsAlone))]
public class TorchEngineTests
{

    private static readonly TorchOptions OnCpu = new() { Device = "cpu", Batch = 256, Samples = 24 };

    [Theory]
    [InlineData(ModelKind.SkipGram, LossKind.HierarchicalSoftmax)]
    [InlineData(ModelKind.SkipGram, LossKind.NegativeSampling)]
    [InlineData(ModelKind.SkipGram, LossKind.SampledSoftmax)]
    [InlineData(ModelKind.SkipGram, LossKind.Softmax)]
    [InlineData(ModelKind.Cbow, LossKind.HierarchicalSoftmax)]
    [InlineData(ModelKind.Cbow, LossKind.NegativeSampling)]
    [InlineData(ModelKind.Cbow, LossKind.SampledSoftmax)]
    public void LossFallsAndPlantedNeighboursComeFirst(ModelKind model, LossKind loss)
    {
        using var tmp = new TempFolder();
        var options = new TrainingOptions { Model = model, Loss = loss, Dim = 24, Window = 4, Epochs = 5, MinCount = 1, Sample = 0, Threads = 2, Seed = 3 };
        var result = new TorchEngine(OnCpu).Train(options, new CorpusReader([PlantedTopics.Write(tmp)]));

        Assert.Equal(5, result.Epochs.Count);
        Assert.Equal(36_000, result.Epochs[0].Words);
        PlantedTopics.AssertLearned(result);
    }

    [Fact]
    public void SkipGramPredictionsAreTheWindowPairs()
    {
        // Sentences of 12 words, window 1, no subsampling: each word has its neighbours in the sentence.
        using var tmp = new TempFolder();
        var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.HierarchicalSoftmax, Dim = 8, Window = 1, Epochs = 1, MinCount = 1, Sample = 0 };
        var result = new TorchEngine(OnCpu).Train(options, new CorpusReader([PlantedTopics.Write(tmp, 500)]));
        Assert.Equal(500 * 11 * 2, result.Epochs[0].Predictions);
        Assert.Equal(6000, result.Epochs[0].TrainedWords);
    }

    [Fact]
    public void SubsamplingKeepsTheExpectedShare()
    {
        using var tmp = new TempFolder();
        var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.NegativeSampling, Dim = 8, Epochs = 1, MinCount = 1, Sample = SubsamplingCorpus.Sample };
        var result = new TorchEngine(OnCpu).Train(options, new CorpusReader([SubsamplingCorpus.Write(tmp)]));
        SubsamplingCorpus.AssertExpectedShareKept(result);
    }

    [Fact]
    public void MemoryStaysFlatOverThousandsOfSteps()
    {
        using var tmp = new TempFolder();
        var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.HierarchicalSoftmax, Dim = 64, Epochs = 6, MinCount = 1, Sample = 0, Seed = 5 };
        long atWarm = 0, peak = 0, steps = 0, liveAtWarm = 0, livePeak = 0;
        var statistics = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
        var process = Process.GetCurrentProcess();
        var series = new List<long>();
        var engine = new TorchEngine(OnCpu with { Batch = 64 })
        {
            StepObserver = step =>
            {
                steps = step;
                if (step % 1000 != 0) return;
                GC.Collect();  // managed garbage (the host's chunk pools) is not what this test looks for
                process.Refresh();
                series.Add(process.WorkingSet64 >> 20);
                if (step == 3000) { atWarm = process.WorkingSet64; liveAtWarm = statistics.ThreadTotalLiveCount; }
                if (step > 3000) { peak = Math.Max(peak, process.WorkingSet64); livePeak = Math.Max(livePeak, statistics.ThreadTotalLiveCount); }
            },
        };
        engine.Train(options, new CorpusReader([PlantedTopics.Write(tmp, 3000)]));
        Assert.True(steps >= 5000, $"only {steps} steps");
        // Every step's tensors are disposed with its scope: the live count does not grow with the steps
        // (a few per epoch are made outside any step).
        Assert.True(livePeak - liveAtWarm < 100, $"live tensors grew from {liveAtWarm} to {livePeak} over {steps} steps");
        // Each step makes about 30 tensors of up to 64 x 7 x 64 floats (115 KB): a leak of one per step
        // would add over 500 MB; the resident set may wander by a few MB.
        Assert.True(peak - atWarm < 40L << 20, $"resident set grew by {(peak - atWarm) >> 20} MB over {steps} steps: {string.Join(" ", series)} MB");
    }

    [Fact]
    public void FullSoftmaxRefusesWhenTheLogitsWouldNotFit()
    {
        using var tmp = new TempFolder();
        var rnd = new Random(2);
        string file = tmp.Write("wide.txt", string.Join("\n", Enumerable.Range(0, 300).Select(_ => string.Join(" ", Enumerable.Range(0, 10).Select(_ => $"w{rnd.Next(200)}")))));
        var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.Softmax, Dim = 8, Epochs = 1, MinCount = 1 };
        var e = Assert.Throws<InvalidOptionException>(() => new TorchEngine(OnCpu with { Batch = 1 << 24 }).Train(options, new CorpusReader([file])));
        Assert.Equal(nameof(TorchOptions.Batch), e.Option);
        Assert.Contains("MB of logits", e.Reason);
    }

    [Fact]
    public void AutoPicksTheCpuAndSaysWhyWithoutCuda()
    {
        if (TorchSharp.torch.cuda.is_available()) return;  // a CUDA machine: nothing to explain
        var device = TorchDevice.Resolve("auto", out string note);
        Assert.Equal(TorchSharp.DeviceType.CPU, device.type);
        Assert.Contains("no CUDA device", note);
        var e = Assert.Throws<InvalidOptionException>(() => new TorchEngine(new TorchOptions { Device = "cuda" }));
        Assert.Equal(nameof(TorchOptions.Device), e.Option);
        Assert.Equal(nameof(TorchOptions.Device), Assert.Throws<InvalidOptionException>(() => TorchDevice.Resolve("tpu", out _)).Option);
    }
}

/// <summary>The two engines at the same settings on the bundled corpus (0.9M tokens of novels).</summary>
[Collection(nameof(RunsAlone))]
public class EngineQualityTests
{
    [Fact]
    public void TorchEngineTrainsTheBundledCorpusAsWellAsTheCpuEngine()
    {
        string corpus = RepositoryFiles.BundledCorpus;
        string eval = Path.Combine(AppContext.BaseDirectory, "corpora", "eval", "analogy");
        Assert.True(File.Exists(corpus), $"the bundled corpus is copied beside the tests: {corpus}");
        var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.NegativeSampling, Dim = 50, Epochs = 3, Threads = 2, Seed = 1 };
        var cpu = new CpuEngine().Train(options, new CorpusReader([corpus]));
        var torch = new TorchEngine(new TorchOptions { Device = "cpu" }).Train(options, new CorpusReader([corpus]));

        // Measured: loss 2.520 (CPU) and 2.503 (torch); Google + MSR analogies 209 and 193 correct.
        double cpuLoss = cpu.Epochs[^1].Loss, torchLoss = torch.Epochs[^1].Loss;
        Assert.True(Math.Abs(torchLoss - cpuLoss) < 0.03 * cpuLoss, $"last-epoch loss: CPU {cpuLoss:F4}, torch {torchLoss:F4}");
        int Correct(TrainingResult r) => Directory.GetFiles(eval, "*.txt").Sum(f => AnalogyEvaluator.Evaluate(r.Vectors, f).Correct);
        int cpuCorrect = Correct(cpu), torchCorrect = Correct(torch);
        Assert.True(cpuCorrect > 150, $"the CPU engine answered only {cpuCorrect} analogies");
        Assert.True(torchCorrect >= 0.75 * cpuCorrect, $"analogies answered: CPU {cpuCorrect}, torch {torchCorrect}");
    }
}
