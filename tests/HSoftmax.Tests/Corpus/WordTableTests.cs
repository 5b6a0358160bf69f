using System.Text;
using HSoftmax.Corpus;
using HSoftmax.Training;

namespace HSoftmax.Tests.Corpus;

/// <summary>The word index every token goes through: ids, growth, repeats, and the batched lookup of a chunk.</summary>
public class WordTableTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void FindsEveryWordAfterManyRehashes()
    {
        var table = new Utf8WordTable(capacity: 16);
        const int Words = 50_000;  // the slots double about 12 times
        for (int i = 0; i < Words; i++)
        {
            Assert.Equal(i, table.GetOrAdd(Utf8($"w{i}"), out bool added));
            Assert.True(added);
        }
        Assert.Equal(17, table.GetOrAdd(Utf8("w17"), out bool again));
        Assert.False(again);
        for (int i = 0; i < Words; i++) Assert.Equal(i, table.Find(Utf8($"w{i}")));
        Assert.Equal(-1, table.Find(Utf8("w50000")));
        Assert.Equal(-1, table.Find(Utf8("")));
        Assert.Equal("w49999", table.GetString(Words - 1));
    }

    [Fact]
    public void AppendedRepeatsGetIdsButLookupsFindTheFirst()
    {
        var table = new Utf8WordTable(capacity: 16);
        table.Append(Utf8("a"));
        table.Append(Utf8("b"));
        Assert.Equal(2, table.Append(Utf8("a")));
        for (int i = 0; i < 100; i++) table.Append(Utf8($"x{i}"));  // rehashes with the repeat present
        Assert.Equal(0, table.Find(Utf8("a")));
        Assert.Equal("a", table.GetString(2));
        Assert.Equal(103, table.Count);
    }

    [Fact]
    public void ResolveMapsTokensDropsUnknownWordsAndEmptySentences()
    {
        var vocabulary = Vocabulary.FromSorted([("the", 9), ("cat", 5), ("sat", 3), ("mat", 2)]);
        var chunk = new TokenChunk(64);
        string[][] sentences =
        [
            ["the", "cat", "xx", "sat", "on", "the", "mat", "the", "cat", "sat", "yy", "mat"],  // longer than the look-ahead
            ["zz", "qq"],                                                                       // no known word: dropped
            ["mat", "cat"],
        ];
        foreach (var sentence in sentences)
        {
            foreach (var word in sentence) chunk.AddToken(Utf8(word));
            chunk.SentenceEnds[chunk.SentenceCount++] = chunk.TokenCount;
        }
        chunk.Resolve(vocabulary);
        Assert.Equal([0, 1, 2, 0, 3, 0, 1, 2, 3, 3, 1], chunk.Tokens.AsSpan(0, chunk.TokenCount).ToArray());
        Assert.Equal([9, 11], chunk.SentenceEnds.AsSpan(0, chunk.SentenceCount).ToArray());
    }
}
