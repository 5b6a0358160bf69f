using HSoftmax.Training;

namespace HSoftmax.Tests.Training;

/// <summary>
/// A corpus with a known answer, for both engines: 12 topics of 8 words; each sentence draws words from
/// one topic only. Words of a topic share all their contexts, so a working trainer must put them next
/// to each other.
/// </summary>
internal static class PlantedTopics
{
    public static string Write(TempFolder tmp, int sentences = 3000, int seed = 11)
    {
        var rnd = new Random(seed);
        var lines = new List<string>();
        for (int s = 0; s < sentences; s++)
        {
            int topic = rnd.Next(12);
            lines.Add(string.Join(" ", Enumerable.Range(0, 12).Select(_ => $"t{topic}w{rnd.Next(8)}")));
        }
        return tmp.Write("planted.txt", string.Join("\n", lines) + "\n");
    }

    /// <summary>The loss of the last epoch is below the first's, and 90% of each word's 5 nearest neighbours share its topic.</summary>
    public static void AssertLearned(TrainingResult result)
    {
        Assert.Equal(96, result.Vocabulary.Count);
        Assert.True(result.Epochs[^1].Loss < result.Epochs[0].Loss * 0.95, $"loss {result.Epochs[0].Loss} -> {result.Epochs[^1].Loss}");
        int hits = 0, total = 0;
        foreach (string word in result.Vectors.Words)
        {
            foreach (var (neighbour, _) in result.Vectors.Nearest(word, 5))
            {
                total++;
                if (Topic(neighbour) == Topic(word)) hits++;
            }
        }
        Assert.True(hits >= 0.9 * total, $"{hits}/{total} of the nearest neighbours share the topic");
    }

    private static int Topic(string word) => int.Parse(word[1..word.IndexOf('w')]);
}
