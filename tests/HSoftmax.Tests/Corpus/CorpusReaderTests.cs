using System.IO.Compression;
using System.Text;
using HSoftmax.Corpus;

namespace HSoftmax.Tests.Corpus;

public class CorpusReaderTests
{
    private struct Collector : ITokenSink
    {
        public List<List<string>> Sentences;
        private List<string>? _current;

        public void Token(ReadOnlySpan<byte> token) => (_current ??= new()).Add(Encoding.UTF8.GetString(token));

        public void EndOfSentence()
        {
            Sentences.Add(_current ?? new());
            _current = null;
        }
    }

    private static List<List<string>> ReadAll(CorpusReader reader)
    {
        var sink = new Collector { Sentences = new() };
        reader.Read(ref sink);
        return sink.Sentences;
    }

    private static string Joined(List<List<string>> sentences) => string.Join(" | ", sentences.Select(s => string.Join(" ", s)));

    [Fact]
    public void SplitsOnWhitespaceAndLines()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("a.txt", "the cat\tsat\r\n\n  on  the mat \nlast line no newline");
        var sentences = ReadAll(new CorpusReader([file]));
        Assert.Equal("the cat sat | on the mat | last line no newline", Joined(sentences));
    }

    [Fact]
    public void CutsLongLinesIntoSentencesOfMaxLength()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("a.txt", string.Join(" ", Enumerable.Range(0, 25).Select(i => $"w{i}")) + "\nx y\n");
        var sentences = ReadAll(new CorpusReader([file], new CorpusOptions { MaxSentenceLength = 10 }));
        Assert.Equal([10, 10, 5, 2], sentences.Select(s => s.Count));
        Assert.Equal("w10", sentences[1][0]);
    }

    [Fact]
    public void DetectsGzipByMagicBytesNotName()
    {
        using var tmp = new TempFolder();
        string file = tmp.File("looks-plain.txt");
        using (var gz = new GZipStream(File.Create(file), CompressionLevel.Optimal))
            gz.Write(Encoding.UTF8.GetBytes("alpha beta\ngamma\n"));
        Assert.Equal("alpha beta | gamma", Joined(ReadAll(new CorpusReader([file]))));
    }

    [Fact]
    public void TokenAcrossBufferBoundaryIsKeptWhole()
    {
        using var tmp = new TempFolder();
        // The reader's buffer is 1 MiB: fill it with short tokens so that one token straddles the boundary.
        var text = new System.Text.StringBuilder();
        while (text.Length < (1 << 20) - 5) text.Append("abc ");
        int words = text.Length / 4;
        text.Append("straddling tail\n");
        string file = tmp.Write("big.txt", text.ToString());
        var sentences = ReadAll(new CorpusReader([file], new CorpusOptions { MaxSentenceLength = 1 << 20 }));
        Assert.Equal(["straddling", "tail"], sentences[0].Skip(words));
        Assert.Equal(words + 2, sentences[0].Count);
    }

    [Fact]
    public void TruncatedGzipIsAClearError()
    {
        using var tmp = new TempFolder();
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            var rnd = new Random(1);
            for (int i = 0; i < 20000; i++) gz.Write(Encoding.UTF8.GetBytes($"word{rnd.Next(5000)} "));
        }
        byte[] all = ms.ToArray();
        string file = tmp.Write("cut.gz", all[..(all.Length / 2)]);
        var e = Assert.Throws<CorpusException>(() => ReadAll(new CorpusReader([file])));
        Assert.Contains(file, e.Message);
        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void NulByteIsAnErrorNamingFileAndLine()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("bin.txt", "ok line\nsecond\0line\n");
        var e = Assert.Throws<CorpusException>(() => ReadAll(new CorpusReader([file])));
        Assert.StartsWith($"{file}:2:", e.Message);
        Assert.Contains("NUL", e.Message);
    }

    [Fact]
    public void InvalidUtf8IsAnErrorNamingFileAndLine()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("bad.txt", [.. "fine\nalso fine\nbad "u8, 0xC3, 0x28, .. " x\n"u8]);
        var e = Assert.Throws<CorpusException>(() => ReadAll(new CorpusReader([file])));
        Assert.StartsWith($"{file}:3:", e.Message);
        Assert.Contains("UTF-8", e.Message);
    }

    [Fact]
    public void OverlongTokensAreSkippedAndCounted()
    {
        using var tmp = new TempFolder();
        string huge = new string('z', 3 << 20);  // 3 MB, longer than the read buffer
        string file = tmp.Write("long.txt", $"a {new string('y', 2000)} b\n{huge} c\n");
        var reader = new CorpusReader([file]);
        var sentences = ReadAll(reader);
        Assert.Equal("a b | c", Joined(sentences));
        Assert.Equal(2, reader.SkippedLongTokens);
    }

    [Fact]
    public void FolderIsReadInOrdinalOrder()
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(tmp.File("sub"));
        tmp.Write("b.txt", "two\n");
        tmp.Write("a.txt", "one\n");
        tmp.Write("sub/c.txt", "three\n");
        var files = CorpusFiles.Expand([tmp.Path]);
        Assert.Equal(["a.txt", "b.txt", "c.txt"], files.Select(Path.GetFileName));
        Assert.Equal("one | two | three", Joined(ReadAll(new CorpusReader(files))));
    }

    [Fact]
    public void MissingPathIsAnError()
    {
        var e = Assert.Throws<CorpusException>(() => CorpusFiles.Expand(["/no/such/corpus.txt"]));
        Assert.Contains("/no/such/corpus.txt", e.Message);
    }
}
