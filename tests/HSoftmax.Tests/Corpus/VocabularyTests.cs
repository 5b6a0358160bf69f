using HSoftmax.Corpus;

namespace HSoftmax.Tests.Corpus;

public class VocabularyTests
{
    [Fact]
    public void CountsExactlyAndSortsByCountThenFirstAppearance()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("c.txt", "b a c a\nd b a e\nc\n");
        var vocab = VocabularyBuilder.Build(new CorpusReader([file]), minCount: 1, maxSize: null, out var stats);
        // a:3, b:2, c:2 (b seen first), d:1, e:1 (d first)
        Assert.Equal(["a", "b", "c", "d", "e"], vocab.ToWordArray());
        Assert.Equal([3L, 2, 2, 1, 1], vocab.Counts.ToArray());
        Assert.Equal(9, stats.CorpusTokens);
        Assert.Equal(3, stats.Sentences);
        Assert.Equal(5, stats.DistinctWords);
        Assert.Equal(9, vocab.TotalCount);
        Assert.Equal(2, vocab.IndexOf("c"));
        Assert.Equal(-1, vocab.IndexOf("zzz"));
    }

    [Fact]
    public void MinCountThenCap()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("c.txt", "a a a a b b b c c c d d e\n");
        var vocab = VocabularyBuilder.Build(new CorpusReader([file]), minCount: 2, maxSize: 2, out var stats);
        Assert.Equal(["a", "b"], vocab.ToWordArray());
        Assert.Equal(5, stats.DistinctWords);
        Assert.Equal(2, stats.KeptWords);
        Assert.Equal(7, stats.KeptTokens);
    }

    [Fact]
    public void SaveAndLoadRoundTrip()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("c.txt", "x y y z z z é é é é\n");
        var vocab = VocabularyBuilder.Build(new CorpusReader([file]), 1, null, out _);
        string path = tmp.File("vocab.txt");
        vocab.Save(path);
        Assert.Equal("é 4\nz 3\ny 2\nx 1\n", File.ReadAllText(path));
        var loaded = Vocabulary.Load(path, minCount: 2);
        Assert.Equal(["é", "z", "y"], loaded.ToWordArray());
        Assert.Equal([4L, 3, 2], loaded.Counts.ToArray());
    }

    [Fact]
    public void EmptyCorpusIsAnError()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("empty.txt", " \n\n\t\n");
        var e = Assert.Throws<CorpusException>(() => VocabularyBuilder.Build(new CorpusReader([file]), 1, null, out _));
        Assert.Contains(file, e.Message);
        Assert.Contains("no words", e.Message);
    }

    [Fact]
    public void NoWordLeftAfterMinCountIsAnError()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("few.txt", "a b c a\n");
        var e = Assert.Throws<CorpusException>(() => VocabularyBuilder.Build(new CorpusReader([file]), 5, null, out _));
        Assert.Contains("min-count", e.Message);
    }

    [Fact]
    public void BadVocabularyFileNamesTheLine()
    {
        using var tmp = new TempFolder();
        string path = tmp.Write("v.txt", "a 5\nb x\n");
        var e = Assert.Throws<CorpusException>(() => Vocabulary.Load(path));
        Assert.StartsWith($"{path}:2:", e.Message);
    }

    [Fact]
    public void AVocabularyLineWithATabIsAnErrorNamingTheLine()
    {
        // The corpus reader cuts tokens at tabs too, so "w<TAB>x 5" is two words and a count, not a word:
        // it was an ArgumentException (found by MalformedInputProperties, seed 6TWqj-bbLOh2).
        using var tmp = new TempFolder();
        string path = tmp.Write("v.txt", "a 9\nw\tY16 5\n");
        var e = Assert.Throws<CorpusException>(() => Vocabulary.Load(path));
        Assert.StartsWith($"{path}:2: expected 'word count'", e.Message);
        // A word that holds a separator the reader would never make is refused by FromSorted too.
        Assert.Throws<ArgumentException>(() => Vocabulary.FromSorted([("a\vb", 2)]));
        // Other Unicode spaces are inside tokens, as the reader leaves them: such a word round-trips.
        var v = Vocabulary.FromSorted([("a\u00a0b", 2)]);
        Assert.Equal("a\u00a0b", v.GetWord(0));
    }
}
