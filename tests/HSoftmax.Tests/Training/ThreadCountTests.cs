using HSoftmax.Corpus;
using HSoftmax.Training;

namespace HSoftmax.Tests.Training;

/// <summary>
/// The thread count must not change what is learned. These run oversubscribed (16 and 64 threads on
/// however many cores CI has): the merge arithmetic is the same on any machine, and it is what broke
/// (16 threads drove the loss from 7.1 to 80-230 on the bundled corpus).
/// </summary>
public class ThreadCountTests
{
    public static TheoryData<ModelKind, LossKind> Configurations => new()
    {
        { ModelKind.SkipGram, LossKind.HierarchicalSoftmax },
        { ModelKind.SkipGram, LossKind.NegativeSampling },
        { ModelKind.SkipGram, LossKind.HierarchicalSoftmaxAndNegativeSampling },
        { ModelKind.Cbow, LossKind.HierarchicalSoftmax },
        { ModelKind.Cbow, LossKind.NegativeSampling },
        { ModelKind.Cbow, LossKind.HierarchicalSoftmaxAndNegativeSampling },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void SixteenThreadsEndAtTheOneThreadLossOnTheBundledCorpus(ModelKind model, LossKind loss)
    {
        string corpus = RepositoryFiles.BundledCorpus;
        var options = new TrainingOptions { Model = model, Loss = loss, Dim = 50, Epochs = 2, Seed = 5 };
        double one = new CpuEngine().Train(options with { Threads = 1 }, new CorpusReader([corpus])).Epochs[^1].Loss;
        var sixteen = new CpuEngine().Train(options with { Threads = 16 }, new CorpusReader([corpus]));
        AssertLossNear(one, sixteen.Epochs[^1].Loss);
        Assert.True(sixteen.WordsPerSecond > 0);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void SixteenThreadsFindThePlantedNeighbours(ModelKind model, LossKind loss) =>
        AssertPlantedAsWithOneThread(model, loss, threads: 16, new TrainingOptions());

    /// <summary>Each of the 64 threads gets one chunk of this small corpus an epoch, and they all merge at its end.</summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void SixtyFourThreadsOnASmallCorpusFindThePlantedNeighbours(ModelKind model, LossKind loss) =>
        AssertPlantedAsWithOneThread(model, loss, threads: 64, new TrainingOptions());

    private static void AssertPlantedAsWithOneThread(ModelKind model, LossKind loss, int threads, TrainingOptions defaults)
    {
        using var tmp = new TempFolder();
        string file = PlantedTopics.Write(tmp);
        var options = defaults with { Model = model, Loss = loss, Dim = 24, Window = 4, Epochs = 5, MinCount = 1, Sample = 0, Seed = 3 };
        double one = new CpuEngine().Train(options with { Threads = 1 }, new CorpusReader([file])).Epochs[^1].Loss;
        var many = new CpuEngine().Train(options with { Threads = threads }, new CorpusReader([file]));
        PlantedTopics.AssertLearned(many);
        AssertLossNear(one, many.Epochs[^1].Loss);
    }

    private static void AssertLossNear(double oneThread, double manyThreads) =>
        Assert.True(Math.Abs(manyThreads - oneThread) <= 0.02 * oneThread,
            $"last-epoch loss {manyThreads:F4} with many threads against {oneThread:F4} with one (more than 2% apart)");
}
