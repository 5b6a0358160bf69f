using HSoftmax.Corpus;
using HSoftmax.Training;

namespace HSoftmax.Tests.Training;

public class CpuEngineTests
{
    [Theory]
    [InlineData(ModelKind.SkipGram, LossKind.HierarchicalSoftmax)]
    [InlineData(ModelKind.SkipGram, LossKind.NegativeSampling)]
    [InlineData(ModelKind.Cbow, LossKind.HierarchicalSoftmax)]
    [InlineData(ModelKind.Cbow, LossKind.NegativeSampling)]
    [InlineData(ModelKind.Cbow, LossKind.HierarchicalSoftmaxAndNegativeSampling)]
    public void LossFallsAndPlantedNeighboursComeFirst(ModelKind model, LossKind loss)
    {
        using var tmp = new TempFolder();
        var corpus = new CorpusReader([PlantedTopics.Write(tmp)]);
        var options = new TrainingOptions { Model = model, Loss = loss, Dim = 24, Window = 4, Epochs = 5, MinCount = 1, Sample = 0, Threads = 2, Seed = 3 };
        var result = new CpuEngine().Train(options, corpus);

        Assert.Equal(5, result.Epochs.Count);
        PlantedTopics.AssertLearned(result);
    }

    [Fact]
    public void OneThreadAndASeedRepeatBitForBit()
    {
        using var tmp = new TempFolder();
        string file = PlantedTopics.Write(tmp, 800);
        var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.HierarchicalSoftmaxAndNegativeSampling, Dim = 16, Epochs = 2, MinCount = 1, Sample = 1e-2, Threads = 1, Seed = 42 };
        float[] first = new CpuEngine().Train(options, new CorpusReader([file])).Model.InputArray;
        float[] second = new CpuEngine().Train(options, new CorpusReader([file])).Model.InputArray;
        float[] otherSeed = new CpuEngine().Train(options with { Seed = 43 }, new CorpusReader([file])).Model.InputArray;
        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void SubsamplingDropsFrequentWordsAtTheExpectedRate()
    {
        using var tmp = new TempFolder();
        var options = new TrainingOptions { Dim = 8, Epochs = 1, MinCount = 1, Sample = SubsamplingCorpus.Sample, Threads = 1 };
        var result = new CpuEngine().Train(options, new CorpusReader([SubsamplingCorpus.Write(tmp)]));
        SubsamplingCorpus.AssertExpectedShareKept(result);
    }

    [Fact]
    public void InvalidOptionsNameTheProperty()
    {
        var e = Assert.Throws<InvalidOptionException>(() => TrainingPlan.Prepare(new TrainingOptions { Dim = 0 }, Vocabulary.FromSorted([("a", 1)])));
        Assert.Equal(nameof(TrainingOptions.Dim), e.Option);
        Assert.Equal("Dim: must be in 1..10000, got 0", e.Message);
        e = Assert.Throws<InvalidOptionException>(new TrainingOptions { Alpha = 0.01f, MinAlpha = 0.1f }.Validate);
        Assert.Equal(nameof(TrainingOptions.MinAlpha), e.Option);
        e = Assert.Throws<InvalidOptionException>(new TrainingOptions { Loss = (LossKind)6 }.Validate);
        Assert.Equal(nameof(TrainingOptions.Loss), e.Option);
    }

    [Fact]
    public void ALossTheEngineDoesNotTrainIsRefusedByItsCapabilities()
    {
        var plan = TrainingPlan.Prepare(new TrainingOptions { Loss = LossKind.SampledSoftmax, MinCount = 1 }, Vocabulary.FromSorted([("a", 3), ("b", 2)]));
        var e = Assert.Throws<InvalidOptionException>(() => new CpuEngine().Train(plan, new CorpusReader(["unused.txt"])));
        Assert.Equal(nameof(TrainingOptions.Loss), e.Option);
        Assert.Contains("the cpu engine trains", e.Reason);
    }
}
