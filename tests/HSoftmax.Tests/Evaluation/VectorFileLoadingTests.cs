using System.IO.Compression;
using System.Text;
using HSoftmax.Corpus;
using HSoftmax.Vectors;

namespace HSoftmax.Tests.Evaluation;

public class VectorFileLoadingTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Binary(string header, params (byte[] Word, float[] Values, string After)[] records)
    {
        var bytes = new List<byte>(Utf8(header));
        foreach (var (word, values, after) in records)
        {
            bytes.AddRange(word);
            bytes.Add((byte)' ');
            foreach (float v in values) bytes.AddRange(BitConverter.GetBytes(v));
            bytes.AddRange(Utf8(after));
        }
        return bytes.ToArray();
    }

    private static void AssertVectors(WordVectors v, string[] words, float[] data)
    {
        Assert.Equal(words, v.Words);
        Assert.Equal(data, v.Data.ToArray());
    }

    [Theory]
    [InlineData("2 3\nthe 0.5 -1 2e-3\nof 1.25 0 -0.75\n")]                    // word2vec / gensim text
    [InlineData("2 3 \nthe 0.5 -1 2e-3 \nof 1.25 0 -0.75 \n")]                 // fastText .vec: trailing spaces
    [InlineData("2 3\r\nthe 0.5 -1 2e-3\r\nof 1.25 0 -0.75\r\n")]              // CRLF
    [InlineData("\uFEFF2 3\nthe\t0.5\t-1\t2e-3\n\nof  1.25 0   -0.75")]          // BOM, tabs, blank line, no final newline
    [InlineData("the 0.5 -1 2e-3\nof 1.25 0 -0.75\n")]                          // GloVe: no header
    [InlineData("2 3\nthe 0.5 -1 2e-3\nof 1.25 0 -0.75\nextra 9 9 9\n")]        // records past the header's count are ignored
    public void TextVariantsLoadTheSameValues(string text)
    {
        using var tmp = new TempFolder();
        var v = Word2VecFile.Load(tmp.Write("v.txt", Utf8(text)));
        AssertVectors(v, ["the", "of"], [0.5f, -1f, 2e-3f, 1.25f, 0f, -0.75f]);
    }

    [Fact]
    public void BinaryWithAndWithoutNewlinesLoadsTheSameValues()
    {
        using var tmp = new TempFolder();
        float[] a = [0.5f, -1f, 1e-30f], b = [float.Epsilon, 3.25f, -0f];
        var c = Word2VecFile.Load(tmp.Write("c.bin", Binary("2 3\n", (Utf8("the"), a, "\n"), (Utf8("of"), b, "\n"))));
        var gensim = Word2VecFile.Load(tmp.Write("g.bin", Binary("2 3\n", (Utf8("the"), a, ""), (Utf8("of"), b, ""))));
        var crlf = Word2VecFile.Load(tmp.Write("w.bin", Binary("2 3\r\n", (Utf8("the"), a, "\r\n"), (Utf8("of"), b, "\r\n"))));
        foreach (var v in new[] { c, gensim, crlf }) AssertVectors(v, ["the", "of"], [.. a, .. b]);
    }

    [Fact]
    public void BinaryWhoseFirstVectorHoldsANewlineByteIsStillBinary()
    {
        using var tmp = new TempFolder();
        // 0x0A as the first float byte makes the first "line" of the file end right after "the ".
        float tricky = BitConverter.ToSingle([0x0A, 0x31, 0x20, 0x3F]);
        var v = Word2VecFile.Load(tmp.Write("t.bin", Binary("1 2\n", (Utf8("the"), [tricky, 1f], ""))));
        AssertVectors(v, ["the"], [tricky, 1f]);
    }

    [Fact]
    public void SaveAndLoadRoundTripExactly()
    {
        using var tmp = new TempFolder();
        var rng = new Random(3);
        string[] words = ["the", "Straße", "日本", "a_b", "x"];
        var data = Enumerable.Range(0, words.Length * 7).Select(_ => (float)(rng.NextDouble() * 2 - 1) * 1e-3f).ToArray();
        var v = new WordVectors(words, data, 7);
        foreach (var format in new[] { VectorFormat.Text, VectorFormat.Binary })
        {
            string path = tmp.File($"v.{format}");
            Word2VecFile.Save(v, path, format);
            AssertVectors(Word2VecFile.Load(path), words, data);
            AssertVectors(Word2VecFile.Load(path, new VectorReadOptions { Format = format }), words, data);
        }
    }

    [Fact]
    public void GzipLimitDuplicatesAndInvalidUtf8()
    {
        using var tmp = new TempFolder();
        string gz = tmp.File("v.txt.gz");
        using (var file = File.Create(gz))
        using (var zip = new GZipStream(file, CompressionLevel.Fastest))
            zip.Write(Utf8("3 2\na 1 2\nb 3 4\na 5 6\n"));
        AssertVectors(Word2VecFile.Load(gz), ["a", "b"], [1, 2, 3, 4]);    // repeated "a" keeps its first vector
        AssertVectors(Word2VecFile.Load(gz, new VectorReadOptions { Limit = 1 }), ["a"], [1, 2]);

        byte[] bad = [0xC3, 0x28];                                          // invalid UTF-8
        string text = tmp.Write("bad.txt", [.. Utf8("1 2\n"), .. bad, .. Utf8(" 1 2\n")]);
        string binary = tmp.Write("bad.bin", Binary("1 2\n", (bad, [1f, 2f], "\n")));
        foreach (string path in new[] { text, binary })
        {
            var e = Assert.Throws<VectorFileException>(() => Word2VecFile.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("invalid UTF-8", e.Message);
            var replaced = Word2VecFile.Load(path, new VectorReadOptions { ReplaceInvalidUtf8 = true });
            AssertVectors(replaced, ["\uFFFD("], [1, 2]);
        }
    }

    public static TheoryData<string, byte[], string> BadFiles() => new()
    {
        { "empty.txt", [], "empty file" },
        { "header-only.txt", Utf8("3 2\n"), "file ends after 0" },
        { "short.txt", Utf8("3 2\na 1 2\nb 3 4\n"), "header says 3 words, file ends after 2" },
        { "few-values.txt", Utf8("2 3\na 1 2 3\nb 4 5\n"), ":3: record 'b' has 2 values, expected 3" },
        { "many-values.txt", Utf8("2 3\na 1 2 3\nb 4 5 6 7\n"), ":3: record 'b' has more than 3 values" },
        { "not-a-number.txt", Utf8("2 3\na 1 2 3\nb 4 x 6\n"), ":3: record 'b': value 2 'x' is not a finite number" },
        { "nan.txt", Utf8("1 2\na NaN 1\n"), ":2: record 'a': value 1 'NaN' is not a finite number" },
        { "zero-dim.txt", Utf8("2 0\n"), ":1: header dimension 0" },
        { "no-values.txt", Utf8("justaword\n"), ":1: neither a 'V D' header nor a 'word v1 v2 ...' record" },
        { "glove-ragged.txt", Utf8("a 1 2\nb 3\n"), ":2: record 'b' has 1 values, expected 2" },
        { "cut-vector.bin", Binary("2 3\n", (Utf8("a"), [1f, 2f, 3f], "\n"), (Utf8("b"), [4f], "")), "record 2 ('b'): file ends after 1 of 3 values" },
        { "cut-word.bin", [.. Binary("2 2\n", (Utf8("a"), [1f, 2f], "\n")), .. Utf8("wor")], "record 2: file ends inside the word" },
        { "missing-record.bin", Binary("2 2\n", (Utf8("a"), [1f, 2f], "\n")), "header says 2 words, file ends after 1" },
        { "nan.bin", Binary("1 2\n", (Utf8("a"), [1f, float.NaN], "\n")), "record 1 ('a'): value 2 is not finite" },
        { "huge-header.bin", [.. Utf8("2000000000 300\n"), 1, 2, 3], "do not fit in one array" },
        { "corrupt.gz", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff], "corrupt gzip data" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFileIsAVectorFileExceptionNamingTheFile(string name, byte[] content, string expected)
    {
        using var tmp = new TempFolder();
        string path = tmp.Write(name, content);
        var e = Assert.Throws<VectorFileException>(() => Word2VecFile.Load(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFileIsAVectorFileException()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("nope.bin");
        Assert.StartsWith(path, Assert.Throws<VectorFileException>(() => Word2VecFile.Load(path)).Message);
    }

    [Fact]
    public void BinaryNeedsAHeader()
    {
        using var tmp = new TempFolder();
        string path = tmp.Write("v.txt", Utf8("a 1 2\n"));
        var e = Assert.Throws<VectorFileException>(() => Word2VecFile.Load(path, new VectorReadOptions { Format = VectorFormat.Binary }));
        Assert.Contains(path + ":1: a binary file needs a 'V D' header", e.Message);
    }
}
