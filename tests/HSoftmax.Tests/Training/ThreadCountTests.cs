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

    /// <remarks>
    /// Three epochs, so that each of the 16 threads trains enough words for private copies of the hot rows,
    /// whose merges broke this (CpuEngine's UsesPrivateHotRows); on a shorter run they are plain Hogwild.
    /// </remarks>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void SixteenThreadsEndAtTheOneThreadLossOnTheBundledCorpus(ModelKind model, LossKind loss)
    {
        string corpus = RepositoryFiles.BundledCorpus;
        var options = new TrainingOptions { Model = model, Loss = loss, Dim = 50, Epochs = 3, Seed = 5 };
        double one = new CpuEngine().Train(options with { Threads = 1 }, new CorpusReader([corpus])).Epochs[^1].Loss;
        var sixteen = new CpuEngine().Train(options with { Threads = 16 }, new CorpusReader([corpus]));
        Assert.True(TrainingRun.UsesPrivateHotRows(options with { Threads = 16 }, sixteen.Epochs.Sum(e => e.Words), ranks: 1),
            "16 threads no longer keep private hot rows on the bundled corpus: this test would not cover their merges");
        AssertLossNear(one, sixteen.Epochs[^1].Loss);
        Assert.True(sixteen.WordsPerSecond > 0);
    }

    /// <summary>
    /// Private hot rows need each thread to train 16 merge intervals (160,000 words by default) over the run,
    /// whatever the ranks; a short run trains plain Hogwild.
    /// </summary>
    [Theory]
    [InlineData(1, 1_000_000_000L, 1, false)]
    [InlineData(2, 320_000L, 1, true)]
    [InlineData(2, 319_998L, 1, false)]
    [InlineData(16, 2_560_000L, 1, true)]
    [InlineData(64, 180_000L, 1, false)]     // the planted corpus, 5 epochs
    [InlineData(8, 5_120_000L, 4, true)]
    [InlineData(8, 5_119_968L, 4, false)]
    public void PrivateHotRowsNeedSixteenMergeIntervalsPerThread(int threads, long totalWords, int ranks, bool expected) =>
        Assert.Equal(expected, TrainingRun.UsesPrivateHotRows(new TrainingOptions { Threads = threads }, totalWords, ranks));

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
