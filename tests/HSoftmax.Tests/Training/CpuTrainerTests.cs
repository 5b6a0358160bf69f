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
        var options = new TrainingOptions { Dim = 8, Epochs = 1, MinCount = 1, Sample = SubsamplingCorpus.Sample, Threads = 1 };
        var result = new CpuTrainer(options).Train(new CorpusReader([SubsamplingCorpus.Write(tmp)]));
        SubsamplingCorpus.AssertExpectedShareKept(result);
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
