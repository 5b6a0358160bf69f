using System.IO.Compression;
using System.Text;
using HSoftmax.Corpus;

namespace HSoftmax.Tests.Corpus;

/// <summary>Shares of a corpus for data-parallel ranks: together they read every line once, in order.</summary>
public class CorpusShareTests
{
    private struct Lines : ITokenSink
    {
        public List<string> Sentences;
        private StringBuilder? _current;

        public void Token(ReadOnlySpan<byte> token)
        {
            _current ??= new StringBuilder();
            if (_current.Length > 0) _current.Append(' ');
            _current.Append(Encoding.UTF8.GetString(token));
        }

        public void EndOfSentence()
        {
            Sentences.Add(_current?.ToString() ?? "");
            _current = null;
        }
    }

    private static List<string> Read(CorpusReader reader)
    {
        var sink = new Lines { Sentences = [] };
        reader.Read(ref sink);
        return sink.Sentences;
    }

    /// <summary>Text with short and long lines, empty lines, CRLF, a BOM-free start and no final newline.</summary>
    private static string Text(Random random, int lines)
    {
        var text = new StringBuilder();
        for (int i = 0; i < lines; i++)
        {
            int words = random.Next(0, 4) == 0 ? 0 : random.Next(1, random.Next(0, 10) == 0 ? 400 : 12);
            for (int w = 0; w < words; w++) text.Append(w == 0 ? "" : " ").Append($"w{i}_{w}");
            text.Append(random.Next(0, 5) == 0 ? "\r\n" : "\n");
        }
        text.Append("last line without newline");
        return text.ToString();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryLineIsReadOnceByOnePartInOrder(bool gzip)
    {
        using var tmp = new TempFolder();
        var random = new Random(7);
        var files = new List<string>();
        for (int f = 0; f < 3; f++)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(Text(random, 200 + 150 * f));
            if (gzip && f != 1)  // a plain file between two gzip ones
            {
                using var packed = new MemoryStream();
                using (var z = new GZipStream(packed, CompressionLevel.Fastest)) z.Write(bytes);
                bytes = packed.ToArray();
            }
            files.Add(tmp.Write($"part{f}", bytes));
        }
        files.Add(tmp.Write("empty", ""));
        var corpus = new CorpusReader(files);
        var whole = Read(corpus);
        long[] lengths = corpus.TextLengths();
        Assert.Equal(files.Select(f => (long)Encoding.UTF8.GetByteCount(ReadText(f))), lengths);
        foreach (int parts in new[] { 1, 2, 3, 5, 8, 64, 4000 })
        {
            var read = new List<string>();
            for (int part = 0; part < parts; part++)
                read.AddRange(Read(corpus.WithShare(new CorpusShare(part, parts, lengths))));
            Assert.True(whole.SequenceEqual(read), $"{parts} parts read {read.Count} sentences, the whole corpus {whole.Count}");
        }
        // Striped: stripe s of every part in turn reads the corpus in order.
        foreach (var (parts, stripes) in new[] { (1, 3), (2, 2), (2, 64), (3, 7), (5, 40), (64, 9) })
        {
            var stripeLines = new List<string>[parts * stripes];
            for (int part = 0; part < parts; part++)
            {
                var share = new CorpusShare(part, parts, lengths, stripes);
                for (int s = 0; s < stripes; s++)
                {
                    // Stripe s of this part is range s * parts + part of the corpus cut into parts x stripes.
                    var alone = new CorpusShare(s * parts + part, parts * stripes, lengths);
                    Assert.Equal(alone.Ranges, [share.Ranges[s]]);
                    stripeLines[s * parts + part] = Read(corpus.WithShare(alone));
                }
                // One reader over all the part's stripes reads what its stripes read one by one.
                var byStripe = Enumerable.Range(0, stripes).SelectMany(s => stripeLines[s * parts + part]);
                Assert.Equal(byStripe, Read(corpus.WithShare(share)));
            }
            var inOrder = stripeLines.SelectMany(l => l).ToList();
            Assert.True(whole.SequenceEqual(inOrder), $"{parts} parts of {stripes} stripes read {inOrder.Count} sentences, the whole corpus {whole.Count}");
        }
    }

    [Fact]
    public void StripesTakeTurnsAlongTheCorpus()
    {
        using var tmp = new TempFolder();
        // Lines of 5 bytes at 0, 5, ..., 35: 2 parts of 4 stripes of 5 bytes each.
        string file = tmp.Write("c.txt", string.Concat(Enumerable.Range(0, 8).Select(i => $"abc{i}\n")));
        var corpus = new CorpusReader([file]);
        Assert.Equal(["abc0", "abc2", "abc4", "abc6"], Read(corpus.WithShare(new CorpusShare(0, 2, [40], 4))));
        Assert.Equal(["abc1", "abc3", "abc5", "abc7"], Read(corpus.WithShare(new CorpusShare(1, 2, [40], 4))));
        Assert.Equal([(0L, 5L), (10L, 15L), (20L, 25L), (30L, 35L)], new CorpusShare(0, 2, [40], 4).Ranges);
    }

    /// <summary>Returns at most one byte per read, and cannot seek: the slowest gzip stream.</summary>
    private sealed class OneByteAtATime(byte[] bytes) : ForwardReadStream
    {
        private int _at;
        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty || _at == bytes.Length) return 0;
            buffer[0] = bytes[_at++];
            return 1;
        }
    }

    /// <summary>The bytes of the lines that start in the ranges, found line by line.</summary>
    private static byte[] Expected(byte[] text, (long Start, long End)[] ranges)
    {
        var kept = new List<byte>();
        for (int start = 0; start < text.Length;)
        {
            int newline = Array.IndexOf(text, (byte)'\n', start);
            int end = newline < 0 ? text.Length : newline + 1;
            if (ranges.Any(r => start >= r.Start && start < r.End)) kept.AddRange(text[start..end]);
            start = end;
        }
        return [.. kept];
    }

    [Fact]
    public void ALineRangeStreamReadsTheLinesThatStartInItsRangesWhateverTheReadSizes()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] text = Encoding.UTF8.GetBytes(Text(random, random.Next(0, 40)));
            // Random cuts into ranges, of which this reader gets every other one, or a random subset.
            var cuts = Enumerable.Range(0, random.Next(1, 12)).Select(_ => (long)random.Next(0, text.Length + 1))
                .Append(0).Append(text.Length).Distinct().Order().ToArray();
            var ranges = cuts.Zip(cuts.Skip(1)).Where((_, i) => random.Next(2) == 0).ToArray();
            byte[] expected = Expected(text, ranges);
            foreach (bool seekable in new[] { true, false })
            {
                int bufferSize = random.Next(1, 9), readSize = random.Next(1, 7);
                using var stream = new LineRangeStream(seekable ? new MemoryStream(text) : new OneByteAtATime(text), ranges, bufferSize);
                var read = new List<byte>();
                var chunk = new byte[readSize];
                for (int n; (n = stream.Read(chunk, 0, readSize)) > 0;) read.AddRange(chunk[..n]);
                Assert.True(expected.AsSpan().SequenceEqual(read.ToArray()),
                    $"trial {trial}, ranges {string.Join(" ", ranges)}, buffer {bufferSize}, reads of {readSize}, seekable {seekable}: " +
                    $"expected {expected.Length} bytes, read {read.Count}");
            }
        }
    }

    [Fact]
    public void APartStartsAtTheFirstLineThatStartsInItsRange()
    {
        using var tmp = new TempFolder();
        // 0-9 "aaaa bbbb\n", 10-14 "cccc\n", 15-19 "dddd\n": two parts of 10 bytes each.
        string file = tmp.Write("c.txt", "aaaa bbbb\ncccc\ndddd\n");
        var corpus = new CorpusReader([file]);
        Assert.Equal(["aaaa bbbb"], Read(corpus.WithShare(new CorpusShare(0, 2, [20]))));
        Assert.Equal(["cccc", "dddd"], Read(corpus.WithShare(new CorpusShare(1, 2, [20]))));
        // Three parts (0-5, 6-12, 13-19): the first line starts in part 0, "cccc" (10) in part 1, "dddd" (15) in part 2.
        Assert.Equal(["aaaa bbbb"], Read(corpus.WithShare(new CorpusShare(0, 3, [20]))));
        Assert.Equal(["cccc"], Read(corpus.WithShare(new CorpusShare(1, 3, [20]))));
        Assert.Equal(["dddd"], Read(corpus.WithShare(new CorpusShare(2, 3, [20]))));
    }

    [Fact]
    public void ALineLongerThanAPartIsReadByThePartItStartsIn()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("c.txt", "x " + string.Join(" ", Enumerable.Range(0, 100)) + "\nshort\n");
        var corpus = new CorpusReader([file]);
        long length = new FileInfo(file).Length;
        var parts = Enumerable.Range(0, 10).Select(p => Read(corpus.WithShare(new CorpusShare(p, 10, [length])))).ToList();
        Assert.Single(parts[0]);
        Assert.StartsWith("x 0 1 2", parts[0][0]);
        Assert.Equal(["short"], parts.Last(p => p.Count > 0));
        Assert.Equal(2, parts.Sum(p => p.Count));
    }

    [Fact]
    public void AShareNeedsOneLengthPerFile()
    {
        using var tmp = new TempFolder();
        var corpus = new CorpusReader([tmp.Write("a.txt", "a\n"), tmp.Write("b.txt", "b\n")]);
        Assert.Throws<ArgumentException>(() => corpus.WithShare(new CorpusShare(0, 2, [2])));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CorpusShare(2, 2, [2, 2]));
    }

    private static string ReadText(string path)
    {
        using var stream = CorpusFiles.Open(path);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
