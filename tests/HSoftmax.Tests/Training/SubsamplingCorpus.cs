using HSoftmax.Training;

namespace HSoftmax.Tests.Training;

/// <summary>
/// A corpus for checking subsampling in both engines: 2,000 lines of 20 words, every other one "the", the
/// rest drawn from 1,000 words. "the" is half the corpus: f = 0.5, so with t = 1e-2 it is kept with
/// sqrt(t/f) + t/f = 0.1414 + 0.02.
/// </summary>
internal static class SubsamplingCorpus
{
    public const double Sample = 1e-2;

    public static string Write(TempFolder tmp)
    {
        var rnd = new Random(1);
        var lines = Enumerable.Range(0, 2000).Select(_ => string.Join(" ", Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? "the" : $"w{rnd.Next(1000)}")));
        return tmp.Write("sub.txt", string.Join("\n", lines));
    }

    /// <summary>All 40,000 words were read, and the words trained are within 2% of the expected sum of keep probabilities.</summary>
    public static void AssertExpectedShareKept(TrainingResult result)
    {
        var vocab = result.Vocabulary;
        double expected = 0;
        for (int i = 0; i < vocab.Count; i++) expected += vocab.Counts[i] * Subsampling.KeepProbability(vocab.Counts[i], vocab.TotalCount, Sample);
        Assert.Equal(40_000, result.Epochs[0].Words);
        Assert.InRange(result.Epochs[0].TrainedWords, expected * 0.98, expected * 1.02);
    }
}
