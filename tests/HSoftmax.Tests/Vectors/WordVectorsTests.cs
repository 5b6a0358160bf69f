using HSoftmax.Vectors;

namespace HSoftmax.Tests.Vectors;

public class WordVectorsTests
{
    [Fact]
    public void RepeatedWordsKeepTheirRowsAndLookupFindsTheFirst()
    {
        // Enough words to make the index grow several times, with repeats spread through.
        string[] words = Enumerable.Range(0, 5000).Select(i => i % 1000 == 999 ? "dup" : $"w{i}").ToArray();
        float[] data = Enumerable.Range(0, words.Length * 2).Select(i => (float)i).ToArray();
        var vectors = new WordVectors(words, data, 2);
        Assert.Equal(5000, vectors.Count);
        Assert.Equal(999, vectors.IndexOf("dup"));
        Assert.Equal("dup", vectors.GetWord(1999));
        Assert.Equal(4321, vectors.IndexOf("w4321"));
        Assert.Equal(-1, vectors.IndexOf("w999"));
        Assert.Equal(words, vectors.Words);
        Assert.Equal([2 * 4321f, 2 * 4321f + 1], vectors.GetVector("w4321").ToArray());
    }

    [Fact]
    public void NearestAndSimilarityUseCosine()
    {
        var vectors = new WordVectors(["a", "b", "c", "d"], [1, 0, 2, 0.1f, 0, 3, -1, 0], 2);
        Assert.Equal(1f, vectors.Similarity("a", "a"), 6);
        Assert.Equal(0f, vectors.Similarity("a", "c"), 6);
        Assert.Equal(-1f, vectors.Similarity("a", "d"), 6);
        var near = vectors.Nearest("a", 2);
        Assert.Equal(["b", "c"], near.Select(n => n.Word));
        Assert.Equal(2 / MathF.Sqrt(4.01f), near[0].Similarity, 5);
        Assert.Throws<KeyNotFoundException>(() => vectors.Nearest("zzz"));
    }
}
