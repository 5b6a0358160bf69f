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

    private static byte[] Gzip(string text)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
            gz.Write(Encoding.UTF8.GetBytes(text));
        return ms.ToArray();
    }

    private static string Lines(int first, int count) =>
        string.Concat(Enumerable.Range(first, count).Select(i => $"line{i} w{i % 7}\n"));

    [Fact]
    public void ConcatenatedGzipMembersReadAsGzipDcReadsThem()
    {
        using var tmp = new TempFolder();
        // As `cat a.gz b.gz c.gz`: the last trailer gives only the last member's size.
        string file = tmp.Write("cat.gz", [.. Gzip(Lines(0, 30000)), .. Gzip(Lines(30000, 5)), .. Gzip(Lines(30005, 20000))]);
        var sentences = ReadAll(new CorpusReader([file]));
        Assert.Equal(50005, sentences.Count);
        Assert.Equal(["line30004", $"w{30004 % 7}"], sentences[30004]);
        Assert.Equal(["line50004", $"w{50004 % 7}"], sentences[^1]);
    }

    [Theory]
    [InlineData(4)]     // the last member's length cut off
    [InlineData(8)]     // its whole trailer
    [InlineData(2000)]  // inside its data
    public void AConcatenatedGzipCutShortIsAnError(int cut)
    {
        using var tmp = new TempFolder();
        byte[] whole = [.. Gzip(Lines(0, 20000)), .. Gzip(Lines(20000, 20000))];
        string file = tmp.Write("cut.gz", whole[..^cut]);
        var e = Assert.Throws<CorpusException>(() => ReadAll(new CorpusReader([file])));
        Assert.Contains(file, e.Message);
        Assert.Contains("truncated gzip", e.Message);
    }

    [Fact]
    public void ATruncatedGzipNamesTheLineWhereTheTextStopped()
    {
        using var tmp = new TempFolder();
        byte[] all = Gzip(Lines(0, 400000));  // 5.6 MB of text: several reader buffers
        string file = tmp.Write("cut.gz", all[..(all.Length * 3 / 4)]);
        var e = Assert.Throws<CorpusException>(() => ReadAll(new CorpusReader([file])));
        int line = int.Parse(System.Text.RegularExpressions.Regex.Match(e.Message, @"near line (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // .NET's GZipStream returns what the cut file holds without a word: the lines in it are where the text stopped.
        using var partial = new GZipStream(new MemoryStream(all[..(all.Length * 3 / 4)]), CompressionMode.Decompress);
        var text = new MemoryStream();
        partial.CopyTo(text);
        int newlines = text.ToArray().Count(b => b == (byte)'\n');
        Assert.InRange(newlines, 250000, 350000);
        Assert.InRange(line, newlines, newlines + 1);
    }

    [Fact]
    public void DataAfterAGzipMemberIsAnError()
    {
        using var tmp = new TempFolder();
        string file = tmp.Write("junk.gz", [.. Gzip(Lines(0, 10)), .. "not gzip"u8]);
        var e = Assert.Throws<CorpusException>(() => ReadAll(new CorpusReader([file])));
        Assert.Contains("not gzip data", e.Message);
    }

    [Fact]
    public void ACorruptedGzipMemberFailsItsChecksum()
    {
        using var tmp = new TempFolder();
        byte[] bytes = Gzip(Lines(0, 10));
        bytes[^6] ^= 0xff;  // the CRC-32 in the trailer
        string file = tmp.Write("crc.gz", bytes);
        var e = Assert.Throws<CorpusException>(() => ReadAll(new CorpusReader([file])));
        Assert.Contains("corrupt gzip", e.Message);
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
