using System.Text.Json;
using HSoftmax.Corpus;
using HSoftmax.Vectors;

namespace HSoftmax.Tests.Vectors;

public class Word2VecFileTests
{
    private static WordVectors Sample(int words = 50, int dim = 7, int seed = 1)
    {
        var rnd = new Random(seed);
        string[] names = Enumerable.Range(0, words).Select(i => i switch { 0 => "héllo", 1 => "日本", _ => $"w{i}" }).ToArray();
        float[] data = Enumerable.Range(0, words * dim).Select(_ => (float)(rnd.NextDouble() * 2 - 1) * MathF.Pow(10, rnd.Next(-6, 3))).ToArray();
        return new WordVectors(names, data, dim);
    }

    [Theory]
    [InlineData(VectorFormat.Text, 50)]
    [InlineData(VectorFormat.Binary, 50)]
    [InlineData(VectorFormat.Text, 20_000)]  // many blocks of 1,024 rows, formatted in overlapping waves
    public void RoundTripsExactly(VectorFormat format, int words)
    {
        using var tmp = new TempFolder();
        var vectors = Sample(words);
        string path = tmp.File("v." + format);
        Word2VecFile.Save(vectors, path, format);
        var loaded = Word2VecFile.Load(path);
        Assert.Equal(vectors.Words, loaded.Words);
        Assert.Equal(vectors.Data.ToArray(), loaded.Data.ToArray());
        Assert.Equal(new[] { $"{words} 7" }, File.ReadLines(path).Take(1));
    }

    [Fact]
    public void BinaryLayoutIsWord2Vec()
    {
        using var tmp = new TempFolder();
        var vectors = new WordVectors(["ab", "c"], [1f, -2f, 0.5f, 3f], 2);
        string path = tmp.File("v.bin");
        Word2VecFile.Save(vectors, path, VectorFormat.Binary);
        byte[] expected = [.. "2 2\nab "u8, .. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(-2f), (byte)'\n',
            .. "c "u8, .. BitConverter.GetBytes(0.5f), .. BitConverter.GetBytes(3f), (byte)'\n'];
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void FailedWriteLeavesNoFile()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("missing-folder/v.txt");
        Assert.Throws<IOException>(() => Word2VecFile.Save(Sample(), path, VectorFormat.Text));
        Assert.False(File.Exists(path));

        // A write that throws half-way keeps the old file and leaves no temporary behind.
        string good = tmp.File("v.txt");
        File.WriteAllText(good, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(good, s => { s.Write(new byte[100]); throw new InvalidOperationException("boom"); }));
        Assert.Equal("old", File.ReadAllText(good));
        Assert.Single(Directory.GetFiles(tmp.Path));
    }

    [RequiresToolFact("gensim")]
    public void GensimLoadsBothFormatsWithOurValues()
    {
        using var tmp = new TempFolder();
        var vectors = Sample(words: 200, dim: 13, seed: 5);
        string text = tmp.File("v.txt"), binary = tmp.File("v.bin");
        Word2VecFile.Save(vectors, text, VectorFormat.Text);
        Word2VecFile.Save(vectors, binary, VectorFormat.Binary);
        string script = """
            import json, sys
            from gensim.models import KeyedVectors
            out = {}
            for path, binary in ((sys.argv[1], False), (sys.argv[2], True)):
                kv = KeyedVectors.load_word2vec_format(path, binary=binary)
                out["binary" if binary else "text"] = {"words": list(kv.index_to_key), "values": [float(x) for x in kv.vectors.ravel()]}
            print(json.dumps(out))
            """;
        string stdout = Tools.RunPython(script, text, binary);
        using var json = JsonDocument.Parse(stdout);
        foreach (string kind in new[] { "text", "binary" })
        {
            var loaded = json.RootElement.GetProperty(kind);
            Assert.Equal(vectors.Words, loaded.GetProperty("words").EnumerateArray().Select(e => e.GetString()!));
            float[] values = loaded.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
            Assert.Equal(vectors.Data.ToArray(), values);  // bit-exact: text uses the shortest round-trip form
        }
    }
}
