using HSoftmax.Corpus;
using HSoftmax.Training;

namespace HSoftmax.Tests.Training;

public class WordIdReaderTests
{
    [Fact]
    public void OneEpochIsEveryWordOfTheVocabularyOnceInWholeSentences()
    {
        using var tmp = new TempFolder();
        var rnd = new Random(3);
        // 5,000 sentences of 1-12 words; "rare" words fall below min-count 2 and are dropped.
        var lines = Enumerable.Range(0, 5_000).Select(i => string.Join(' ', Enumerable.Range(0, 1 + rnd.Next(12)).Select(_ => $"w{rnd.Next(300)}")) + (i == 17 ? " rare" : "")).ToList();
        string file = tmp.Write("c.txt", string.Join('\n', lines));
        var corpus = new CorpusReader([file]);
        var vocabulary = VocabularyBuilder.Build(corpus, 2, null, out _);
        var seen = new long[vocabulary.Count];
        int sentences = 0;
        using var stream = WordIdReader.ReadEpoch(corpus, vocabulary, depth: 2);
        while (stream.TryTake(out var chunk))
        {
            int begin = 0;
            foreach (int end in chunk.SentenceEnds)
            {
                Assert.True(end > begin, "an empty sentence");
                begin = end;
                sentences++;
            }
            Assert.Equal(chunk.Words.Length, begin);
            foreach (int w in chunk.Words) seen[w]++;
            stream.Recycle(chunk);
        }
        Assert.Equal(vocabulary.Counts.ToArray(), seen);
        Assert.Equal(lines.Count(l => l.Length > 0), sentences);
    }

    [Fact]
    public async Task AFailedLookUpStopsTheReaderAndComesOut()
    {
        // Enough text for many more chunks than the queues hold: a reader left blocked on a full queue
        // after the look-up stage failed would never end, and the engine would wait for it forever.
        using var tmp = new TempFolder();
        var rnd = new Random(1);
        string file = tmp.Write("c.txt", string.Concat(Enumerable.Range(0, 40_000).Select(_ => $"a{rnd.Next(50)} b{rnd.Next(50)} c d e f g h i j\n")));
        var corpus = new CorpusReader([file]);
        var vocabulary = VocabularyBuilder.Build(corpus, 1, null, out _);
        using var stream = new WordIdReader(corpus, vocabulary, 2, (_, _) => throw new InvalidOperationException("look-up failed"), CancellationToken.None);
        var take = Task.Run(() => stream.TryTake(out _));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => take.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("look-up failed", e.Message);
    }

    [Fact]
    public void ACancelledEpochNeverLooksFinished()
    {
        // Cancelled through the token given to ReadEpoch while TryTake is called without one: the end of the
        // chunks must not read as the end of the epoch.
        using var tmp = new TempFolder();
        string file = tmp.Write("c.txt", string.Concat(Enumerable.Range(0, 40_000).Select(i => $"a{i % 50} b c d e f g h i j\n")));
        var corpus = new CorpusReader([file]);
        var vocabulary = VocabularyBuilder.Build(corpus, 1, null, out _);
        using var cancel = new CancellationTokenSource();
        var reader = WordIdReader.ReadEpoch(corpus, vocabulary, depth: 2, cancel.Token);
        Assert.True(reader.TryTake(out var first));
        reader.Recycle(first);
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => { while (reader.TryTake(out var c)) reader.Recycle(c); });
        reader.Dispose();
        reader.Dispose();  // twice is harmless
        reader.Recycle(first);  // and so is a chunk given back late
    }
}
