using HSoftmax.Corpus;
using HSoftmax.Training;

namespace HSoftmax.Tests.Training;

public class CpuTrainerTests
{
    [Theory]
    [InlineData(ModelKind.SkipGram, LossKind.HierarchicalSoftmax)]
    [InlineData(ModelKind.SkipGram, LossKind.NegativeSampling)]
    [InlineData(ModelKind.Cbow, LossKind.HierarchicalSoftmax)]
    [InlineData(ModelKind.Cbow, LossKind.NegativeSampling)]
    [InlineData(ModelKind.Cbow, LossKind.HierarchicalSoftmax | LossKind.NegativeSampling)]
    public void LossFallsAndPlantedNeighboursComeFirst(ModelKind model, LossKind loss)
    {
        using var tmp = new TempFolder();
        var corpus = new CorpusReader([PlantedTopics.Write(tmp)]);
        var options = new TrainingOptions { Model = model, Loss = loss, Dim = 24, Window = 4, Epochs = 5, MinCount = 1, Sample = 0, Threads = 2, Seed = 3 };
        var result = new CpuTrainer(options).Train(corpus);

        Assert.Equal(5, result.Epochs.Count);
        PlantedTopics.AssertLearned(result);
    }

    [Fact]
    public void OneThreadAndASeedRepeatBitForBit()
    {
        using var tmp = new TempFolder();
        string file = PlantedTopics.Write(tmp, 800);
        var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.HierarchicalSoftmax | LossKind.NegativeSampling, Dim = 16, Epochs = 2, MinCount = 1, Sample = 1e-2, Threads = 1, Seed = 42 };
        float[] first = new CpuTrainer(options).Train(new CorpusReader([file])).Model.Input;
        float[] second = new CpuTrainer(options).Train(new CorpusReader([file])).Model.Input;
        float[] otherSeed = new CpuTrainer(options with { Seed = 43 }).Train(new CorpusReader([file])).Model.Input;
        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void SubsamplingDropsFrequentWordsAtTheExpectedRate()
    {
        using var tmp = new TempFolder();
        // "the" is half the corpus: f = 0.5, keep = sqrt(t/f) + t/f with t = 1e-2 -> 0.1414 + 0.02.
        var rnd = new Random(1);
        var lines = Enumerable.Range(0, 2000).Select(_ => string.Join(" ", Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? "the" : $"w{rnd.Next(1000)}")));
        string file = tmp.Write("sub.txt", string.Join("\n", lines));
        var options = new TrainingOptions { Dim = 8, Epochs = 1, MinCount = 1, Sample = 1e-2, Threads = 1 };
        var result = new CpuTrainer(options).Train(new CorpusReader([file]));
        var vocab = result.Vocabulary;
        double expectedKept = 0;
        for (int i = 0; i < vocab.Count; i++)
            expectedKept += vocab.GetCount(i) * Subsampling.KeepProbability(vocab.GetCount(i), vocab.TotalCount, 1e-2);
        Assert.Equal(40_000, result.Epochs[0].Words);
        Assert.Equal(expectedKept, result.Epochs[0].TrainedWords, expectedKept * 0.02);
    }

    [Fact]
    public void InvalidOptionsNameTheOption()
    {
        var e = Assert.Throws<ArgumentException>(() => new CpuTrainer(new TrainingOptions { Dim = 0 }));
        Assert.StartsWith("--dim:", e.Message);
        e = Assert.Throws<ArgumentException>(() => new CpuTrainer(new TrainingOptions { Alpha = 0.01f, MinAlpha = 0.1f }));
        Assert.StartsWith("--min-alpha:", e.Message);
    }
}
