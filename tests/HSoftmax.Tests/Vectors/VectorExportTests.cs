using System.Text.Json;
using HSoftmax.Vectors;

namespace HSoftmax.Tests.Vectors;

public class VectorExportTests
{
    private static WordVectors Sample()
    {
        var rnd = new Random(8);
        string[] words = ["the", "naïve", "日本語", "a.b", "don't", .. Enumerable.Range(0, 45).Select(i => $"w{i}")];
        var data = Enumerable.Range(0, words.Length * 7).Select(_ => (float)(rnd.NextDouble() * 2 - 1) * 3).ToArray();
        data[5] = float.Epsilon;  // a subnormal, and a value no short decimal writes exactly
        data[6] = 1f / 3;
        return new WordVectors(words, data, 7);
    }

    [RequiresToolFact("gensim")]
    public void NumpyGensimAndTheSafetensorsLayoutReadWhatWasWritten()
    {
        using var tmp = new TempFolder();
        var vectors = Sample();
        VectorExport.Save(vectors, tmp.File("v.npy"), ExportFormat.Npy, tmp.File("v.vocab.txt"));
        VectorExport.Save(vectors, tmp.File("v.safetensors"), ExportFormat.Safetensors);
        VectorExport.Save(vectors, tmp.File("v.glove.txt"), ExportFormat.Glove);
        // The safetensors file is read by hand, by its published layout: an 8-byte little-endian header
        // length, the JSON header, then the tensors' bytes at their data_offsets.
        const string script = """
            import json, struct, sys
            import numpy as np
            from gensim.models import KeyedVectors
            folder = sys.argv[1]
            npy = np.load(folder + '/v.npy')
            vocab = open(folder + '/v.vocab.txt', encoding='utf-8').read().split('\n')[:-1]
            raw = open(folder + '/v.safetensors', 'rb').read()
            (n,) = struct.unpack('<Q', raw[:8])
            header = json.loads(raw[8:8 + n])
            t = header['vectors']
            begin, end = t['data_offsets']
            st = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype='<f4').reshape(t['shape'])
            glove = KeyedVectors.load_word2vec_format(folder + '/v.glove.txt', binary=False, no_header=True)
            json.dump({'npy_dtype': str(npy.dtype), 'npy_shape': list(npy.shape), 'npy_bits': npy.view(np.uint32).ravel().tolist(), 'vocab': vocab,
                       'header_bytes': n, 'dtype': t['dtype'], 'shape': t['shape'], 'offsets': [begin, end], 'data_end': 8 + n + end, 'file_bytes': len(raw),
                       'st_bits': st.view(np.uint32).ravel().tolist(), 'st_words': header['__metadata__']['words'].split('\n'),
                       'glove_words': glove.index_to_key, 'glove_bits': glove.vectors.view(np.uint32).ravel().tolist()},
                      open(folder + '/out.json', 'w', encoding='utf-8'), ensure_ascii=False)
            """;
        Tools.RunPython(script, tmp.Path);
        using var doc = JsonDocument.Parse(File.ReadAllText(tmp.File("out.json")));
        var r = doc.RootElement;
        uint[] bits = vectors.Data.ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray();
        uint[] Bits(string name) => r.GetProperty(name).EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        string[] Strings(string name) => r.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();
        long[] Longs(string name) => r.GetProperty(name).EnumerateArray().Select(e => e.GetInt64()).ToArray();

        Assert.Equal("float32", r.GetProperty("npy_dtype").GetString());
        Assert.Equal([50L, 7L], Longs("npy_shape"));
        Assert.Equal(bits, Bits("npy_bits"));
        Assert.Equal(vectors.Words, Strings("vocab"));

        Assert.Equal("F32", r.GetProperty("dtype").GetString());
        Assert.Equal([50L, 7L], Longs("shape"));
        Assert.Equal([0L, 50L * 7 * 4], Longs("offsets"));
        Assert.Equal(0, r.GetProperty("header_bytes").GetInt64() % 8);  // the data starts aligned
        Assert.Equal(r.GetProperty("file_bytes").GetInt64(), r.GetProperty("data_end").GetInt64());
        Assert.Equal(bits, Bits("st_bits"));
        Assert.Equal(vectors.Words, Strings("st_words"));

        Assert.Equal(vectors.Words, Strings("glove_words"));
        Assert.Equal(bits, Bits("glove_bits"));
    }

    [Fact]
    public void ExportRefusesToOverwriteItsInputAndWritesNothing()
    {
        using var tmp = new TempFolder();
        string input = tmp.File("v.txt");
        Word2VecFile.Save(Sample(), input, VectorFormat.Text);
        byte[] before = File.ReadAllBytes(input);
        var (code, _, stderr) = HSoftmax.Tests.Cli.CliRun.Run("export", input, "--to", "glove", "--output", input);
        Assert.Equal(2, code);
        Assert.StartsWith("hsoftmax: --output:", stderr.Trim());
        Assert.Equal(before, File.ReadAllBytes(input));

        (code, var stdout, stderr) = HSoftmax.Tests.Cli.CliRun.Run("export", input, "--to", "npy");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(tmp.File("v.npy")) && File.Exists(tmp.File("v.vocab.txt")), stdout);
        Assert.Equal(128 + 50 * 7 * 4, new FileInfo(tmp.File("v.npy")).Length);  // a 64-byte-aligned header, then the rows
    }
}
