using HSoftmax.Text;
using System.Text;
using System.Text.Json;
using HSoftmax.Evaluation;
using HSoftmax.Vectors;

namespace HSoftmax.Tests.Evaluation;

/// <summary>
/// Runs gensim 4 (through /usr/bin/python3) on the same vectors and sets, and checks that the evaluators agree with it:
/// per-section correct and seen counts equal, the same questions answered correctly, correlations within 1e-6.
/// Also reads files that gensim and fastText wrote and checks every value.
/// </summary>
public class GensimParityTests
{
    private const int Dim = 24;

    private const string AnalogyScript = """
        import json, sys
        from gensim.models import KeyedVectors
        vectors, configs, out = sys.argv[1], json.loads(open(sys.argv[2]).read()), sys.argv[3]
        kv = KeyedVectors.load_word2vec_format(vectors, binary=True)
        results = []
        for c in configs:
            target = kv
            if c['cosmul']:
                # most_similar_cosmul ignores restrict_vocab: evaluate on the first N vectors only.
                n = min(c['restrict'], len(kv))
                target = KeyedVectors(kv.vector_size)
                target.add_vectors(kv.index_to_key[:n], kv.vectors[:n])
                target.most_similar = target.most_similar_cosmul
            score, sections = target.evaluate_word_analogies(
                c['file'], restrict_vocab=c['restrict'], case_insensitive=c['ci'], dummy4unknown=c['dummy'])
            results.append([{'name': s['section'], 'correct': [' '.join(q) for q in s['correct']], 'incorrect': len(s['incorrect'])}
                            for s in sections if s['section'] != 'Total accuracy'])
        json.dump(results, open(out, 'w', encoding='utf-8'), ensure_ascii=False)
        """;

    private const string PairsScript = """
        import json, sys
        from gensim.models import KeyedVectors
        vectors, configs, out = sys.argv[1], json.loads(open(sys.argv[2]).read()), sys.argv[3]
        kv = KeyedVectors.load_word2vec_format(vectors, binary=True)
        results = []
        for c in configs:
            pearson, spearman, oov = kv.evaluate_word_pairs(c['file'], restrict_vocab=c['restrict'], case_insensitive=c['ci'], dummy4unknown=c['dummy'])
            results.append({'pearson': float(pearson[0]), 'spearman': float(spearman[0]), 'oov': oov})
        json.dump(results, open(out, 'w'))
        """;

    private sealed record Config(string File, int Restrict, bool Ci, bool Dummy, bool Cosmul);

    private static string? RealQuestionsWords()
    {
        string? folder = EvaluationSuite.FindBundledEvalFolder();
        return new[] { folder is null ? null : Path.Combine(folder, "analogy", "questions-words.txt"), "/work/shared/data/eval/analogy/questions-words.txt" }
            .FirstOrDefault(p => p is not null && File.Exists(p));
    }

    // Planted: second = first + relation. The rows of the upper-case decoys come after the words whose
    // Python upper-case form they share (straße -> STRASSE, fuß -> FUSS, ıstanbul -> ISTANBUL, ﬁsh -> FISH),
    // so gensim's keys point at the planted rows and only a Python-exact upper-casing finds them.
    private static readonly (string First, string Second)[] UnicodePairs =
        [("straße", "straßen"), ("fuß", "füße"), ("ıstanbul", "ıstanbuls"), ("ﬁsh", "ﬁshes"), ("maß", "maße"), ("café", "cafés")];

    private const string CustomQuestions =
        ": planted-unicode\r\n" +
        "Strasse Strassen Fuss Füsse\r\n" +
        "FUSS FÜSSE ISTANBUL ISTANBULS\r\n" +
        "istanbul istanbuls fish fishes\r\n" +
        "fish fishes mass masse\r\n" +
        "MASS MASSE CAFÉ CAFÉS\r\n" +
        "straße straßen maß maße\r\n" +
        "these are not four words at all\r\n" +
        "\r\n" +
        ": gram-mixed\r\n" +
        "café cafés nowhere-word fishes\r\n" +
        "Paris France Rome Italy\r\n" +
        "paris france rome italy\r\n" +
        ": empty-section\r\n" +
        ": last\r\n" +
        "straße straßen café cafés\n";

    /// <summary>
    /// About 3,000 words: those of questions-words.txt with each section's relation planted (b = a + r + noise),
    /// case variants before and after the lower-case rows, the Unicode words above, and random filler words;
    /// shuffled so that a restriction cuts through every section.
    /// </summary>
    private static WordVectors StructuredVectors(string? questionsWords, int seed, IEnumerable<string>? extraWords = null)
    {
        var rng = new Random(seed);
        float[] Gaussian(double scale) => Enumerable.Range(0, Dim).Select(_ => (float)(scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
        float[] Plus(float[] x, float[] r, int sign) { var n = Gaussian(0.25); return x.Select((v, i) => v + sign * r[i] + n[i]).ToArray(); }
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var order = new List<string>();
        void Plant(string a, string b, float[] r)
        {
            if (!vectors.ContainsKey(a) && !vectors.ContainsKey(b)) { vectors[a] = Gaussian(1); order.Add(a); }
            if (vectors.TryGetValue(a, out var va) && !vectors.ContainsKey(b)) { vectors[b] = Plus(va, r, 1); order.Add(b); }
            else if (vectors.TryGetValue(b, out var vb) && !vectors.ContainsKey(a)) { vectors[a] = Plus(vb, r, -1); order.Add(a); }
        }
        if (questionsWords is not null)
            foreach (var section in AnalogySet.Load(questionsWords).Sections)
            {
                var r = Gaussian(0.8);
                foreach (var q in section.Questions)
                {
                    Plant(q.A.ToLowerInvariant(), q.B.ToLowerInvariant(), r);
                    Plant(q.C.ToLowerInvariant(), q.Expected.ToLowerInvariant(), r);
                }
            }
        var relation = Gaussian(0.8);
        foreach (var (a, b) in UnicodePairs) Plant(a, b, relation);
        Plant("paris", "france", relation);
        Plant("rome", "italy", relation);
        foreach (string w in extraWords ?? [])
            if (vectors.TryAdd(w, Gaussian(1))) order.Add(w);
        for (int i = 0; vectors.Count < 2800; i++) { vectors[$"filler{i}"] = Gaussian(1); order.Add($"filler{i}"); }

        var rows = order.OrderBy(_ => rng.Next()).ToList();
        // Case variants with vectors of their own: some before the lower-case row (they become the key's row), some after.
        var variants = rows.Where(w => !w.StartsWith("filler", StringComparison.Ordinal) && w.All(char.IsAsciiLetterLower)).Take(120).ToList();
        for (int i = 0; i < variants.Count; i++)
        {
            string variant = i % 3 == 0 ? variants[i].ToUpperInvariant() : char.ToUpperInvariant(variants[i][0]) + variants[i][1..];
            vectors[variant] = Gaussian(1);
            int at = rows.IndexOf(variants[i]);
            rows.Insert(i % 2 == 0 ? at : Math.Min(rows.Count, at + 1 + rng.Next(300)), variant);
        }
        foreach (string decoy in new[] { "STRASSE", "STRASSEN", "FUSS", "ISTANBUL", "FISH", "MASS", "CAFÉ" })
        {
            vectors[decoy] = Gaussian(1);
            rows.Add(decoy);
        }
        // Keep the planted Unicode words within the first 2,000 rows, so the restricted runs see them.
        foreach (var (a, b) in UnicodePairs) foreach (string w in new[] { a, b }) { rows.Remove(w); rows.Insert(rng.Next(1500), w); }
        return new WordVectors(rows.ToArray(), rows.SelectMany(w => vectors[w]).ToArray(), Dim);
    }

    private static AnalogyResult Ours(WordVectors v, Config c) =>
        new AnalogyEvaluator(v, new AnalogyOptions
        {
            Restrict = c.Restrict,
            CaseInsensitive = c.Ci,
            CountUnknownAsWrong = c.Dummy,
            Method = c.Cosmul ? AnalogyMethod.CosMul : AnalogyMethod.CosAdd,
        }).Evaluate(c.File);

    [RequiresToolFact("gensim")]
    public void AnalogyCountsEqualGensim()
    {
        using var tmp = new TempFolder();
        string? real = RealQuestionsWords();
        var v = StructuredVectors(real, seed: 11);
        string vectors = tmp.File("v.bin");
        Word2VecFile.Save(v, vectors, VectorFormat.Binary);
        string custom = tmp.Write("custom.txt", Encoding.UTF8.GetBytes(CustomQuestions));

        var configs = new List<Config>
        {
            new(custom, 2000, true, false, false),
            new(custom, 300_000, true, false, false),
            new(custom, 2000, false, false, false),
            new(custom, 2000, true, true, false),
            new(custom, 2000, true, false, true),
            new(custom, 300_000, false, true, true),
        };
        if (real is not null)
        {
            configs.Add(new(real, 2000, true, false, false));
            configs.Add(new(real, 2000, true, false, true));
            configs.Add(new(real, 300_000, false, true, false));
        }
        string configFile = tmp.Write("configs.json", JsonSerializer.Serialize(configs.Select(c => new { file = c.File, restrict = c.Restrict, ci = c.Ci, dummy = c.Dummy, cosmul = c.Cosmul })));
        string output = tmp.File("gensim.json");
        Tools.RunPython(AnalogyScript, vectors, configFile, output);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));

        int comparedCorrect = 0;
        for (int i = 0; i < configs.Count; i++)
        {
            var config = configs[i];
            var ours = Ours(v, config);
            var theirs = doc.RootElement[i].EnumerateArray().ToList();
            string label = $"{Path.GetFileName(config.File)} restrict={config.Restrict} ci={config.Ci} dummy={config.Dummy} cosmul={config.Cosmul}";
            Assert.Equal(theirs.Select(s => s.GetProperty("name").GetString()), ours.Sections.Select(s => s.Name));
            for (int s = 0; s < theirs.Count; s++)
            {
                var correct = theirs[s].GetProperty("correct").EnumerateArray().Select(e => e.GetString()!).ToList();
                int seen = correct.Count + theirs[s].GetProperty("incorrect").GetInt32();
                Assert.True((correct.Count, seen) == (ours.Sections[s].Correct, ours.Sections[s].Seen),
                    $"{label} {ours.Sections[s].Name}: gensim {correct.Count}/{seen}, ours {ours.Sections[s].Correct}/{ours.Sections[s].Seen}");
                var ourCorrect = ours.Outcomes.Where(o => o.Section == s && o.Correct)
                    .Select(o => string.Join(' ', new[] { o.Question.A, o.Question.B, o.Question.C, o.Question.Expected }.Select(w => config.Ci ? PythonText.Upper(w) : w)))
                    .ToList();
                Assert.Equal(correct, ourCorrect);
                comparedCorrect += correct.Count;
            }
        }
        // The planted structure must make the comparison meaningful: many right answers, not only zeros.
        Assert.True(comparedCorrect > (real is null ? 10 : 1000), $"only {comparedCorrect} correct answers compared");
        var unicode = Ours(v, configs[0]).Sections[0];
        Assert.Equal((6, 6), (unicode.Seen, unicode.Total)); // every Unicode question is found through Python upper-casing
    }

    [RequiresToolFact("gensim")]
    public void SimilarityCorrelationsEqualGensim()
    {
        using var tmp = new TempFolder();
        string? folder = EvaluationSuite.FindBundledEvalFolder();
        string? ws353 = folder is null ? null : Path.Combine(folder, "similarity", "EN-WS-353-ALL.txt");
        var ws353Words = ws353 is null ? [] : WordPairSet.Load(ws353).Pairs.SelectMany(p => new[] { p.First.ToLowerInvariant(), p.Second.ToLowerInvariant() });
        var v = StructuredVectors(RealQuestionsWords(), seed: 5, ws353Words);
        string vectors = tmp.File("v.bin");
        Word2VecFile.Save(v, vectors, VectorFormat.Binary);
        // Pairs of known words (both cases, ties in the gold scores), unknown words, and Unicode keys.
        var rng = new Random(2);
        var sb = new StringBuilder("# generated\r\n");
        for (int i = 0; i < 400; i++)
        {
            string a = v.GetWord(rng.Next(2500)), b = v.GetWord(rng.Next(2500));
            if (i % 7 == 0) a = a.ToUpperInvariant();
            sb.Append($"{a}\t{b}\t{rng.Next(0, 21) / 2.0}\r\n");
        }
        sb.Append("Strasse\tFuss\t3\r\nunknownword\tfish\t4\r\n");
        string generated = tmp.Write("pairs.txt", Encoding.UTF8.GetBytes(sb.ToString()));
        var files = new List<string> { generated };
        if (ws353 is not null) files.Add(ws353);

        var configs = new List<Config>();
        foreach (string f in files)
        {
            configs.Add(new(f, 300_000, true, false, false));
            configs.Add(new(f, 1500, true, false, false));
            configs.Add(new(f, 300_000, false, true, false));
        }
        string configFile = tmp.Write("configs.json", JsonSerializer.Serialize(configs.Select(c => new { file = c.File, restrict = c.Restrict, ci = c.Ci, dummy = c.Dummy })));
        string output = tmp.File("gensim.json");
        Tools.RunPython(PairsScript, vectors, configFile, output);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        for (int i = 0; i < configs.Count; i++)
        {
            var c = configs[i];
            var ours = new SimilarityEvaluator(v, new SimilarityOptions { Restrict = c.Restrict, CaseInsensitive = c.Ci, CountUnknownAsZero = c.Dummy }).Evaluate(c.File);
            var theirs = doc.RootElement[i];
            string label = $"{Path.GetFileName(c.File)} restrict={c.Restrict} ci={c.Ci} dummy={c.Dummy}";
            Assert.True(ours.Found >= 20, $"{label}: only {ours.Found} pairs found");
            Assert.True(Math.Abs(theirs.GetProperty("spearman").GetDouble() - ours.Spearman) <= 1e-6, $"{label}: spearman gensim {theirs.GetProperty("spearman").GetDouble()}, ours {ours.Spearman}");
            Assert.True(Math.Abs(theirs.GetProperty("pearson").GetDouble() - ours.Pearson) <= 1e-6, $"{label}: pearson gensim {theirs.GetProperty("pearson").GetDouble()}, ours {ours.Pearson}");
            // gensim's oov ratio: unknown / (found + unknown) in percent, or unknown / all with dummy4unknown
            double oov = 100.0 * ours.Unknown.Count / ours.Pairs;
            Assert.Equal(theirs.GetProperty("oov").GetDouble(), oov, 9);
        }
    }

    [RequiresToolFact("gensim")]
    public void UpperCasingEqualsPythonForEveryCodePoint()
    {
        const string script = """
            import json
            print(json.dumps({cp: chr(cp).upper() for cp in range(0x110000) if not 0xD800 <= cp < 0xE000 and chr(cp).upper() != chr(cp)}))
            """;
        using var doc = JsonDocument.Parse(Tools.RunPython(script));
        var python = doc.RootElement.EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value.GetString()!);
        Assert.True(python.Count > 1400);
        var wrong = new List<string>();
        for (int cp = 0; cp < 0x110000; cp++)
        {
            if (cp is >= 0xD800 and < 0xE000) continue;
            string s = char.ConvertFromUtf32(cp);
            string expected = python.TryGetValue(cp, out var u) ? u : s;
            if (PythonText.Upper(s) != expected) wrong.Add($"U+{cp:X4}");
        }
        Assert.Empty(wrong);
        Assert.Equal("STRASSE ISTANBUL", PythonText.Upper("Straße ıstanbul"));
    }

    [RequiresToolFact("gensim")]
    public void MostSimilarAndDoesntMatchAreGensims()
    {
        // Random vectors: gensim answers each query on the file it wrote, we answer on the same file.
        using var tmp = new TempFolder();
        const string script = """
            import json, sys
            import numpy as np
            from gensim.models import KeyedVectors
            folder = sys.argv[1]
            rng = np.random.default_rng(11)
            words = ['w%d' % i for i in range(400)]
            kv = KeyedVectors(17)
            kv.add_vectors(words, rng.standard_normal((len(words), 17)).astype(np.float32))
            kv.save_word2vec_format(folder + '/g.bin', binary=True)
            queries = [(['w1'], [], 10, None), (['w2', 'w3'], ['w4'], 7, None), ([], ['w5'], 5, None),
                       (['w6', 'w7', 'w8'], ['w9', 'w10'], 12, 150), (['w399'], ['w0'], 4, 50)]
            out = {'most_similar': [[[w, float(s)] for w, s in kv.most_similar(positive=p, negative=n, topn=k, restrict_vocab=r)] for p, n, k, r in queries],
                   'doesnt_match': [kv.doesnt_match(ws) for ws in (['w1', 'w2', 'w3', 'w4'], ['w10', 'w20', 'w30', 'w40', 'w50'], ['w7', 'w8', 'w9', 'nope'])]}
            json.dump(out, open(folder + '/g.json', 'w'))
            """;
        Tools.RunPython(script, tmp.Path);
        var vectors = Word2VecFile.Load(tmp.File("g.bin"));
        using var doc = JsonDocument.Parse(File.ReadAllText(tmp.File("g.json")));
        (string[] Positive, string[] Negative, int Top, int Restrict)[] queries =
        [
            (["w1"], [], 10, int.MaxValue), (["w2", "w3"], ["w4"], 7, int.MaxValue), ([], ["w5"], 5, int.MaxValue),
            (["w6", "w7", "w8"], ["w9", "w10"], 12, 150), (["w399"], ["w0"], 4, 50),
        ];
        var expected = doc.RootElement.GetProperty("most_similar").EnumerateArray().ToList();
        for (int q = 0; q < queries.Length; q++)
        {
            var ours = vectors.MostSimilar(queries[q].Positive, queries[q].Negative, queries[q].Top, queries[q].Restrict);
            var theirs = expected[q].EnumerateArray().Select(e => (Word: e[0].GetString()!, Score: e[1].GetDouble())).ToList();
            Assert.Equal(theirs.Select(t => t.Word), ours.Select(o => o.Word));
            for (int i = 0; i < theirs.Count; i++)
                Assert.True(Math.Abs(theirs[i].Score - ours[i].Similarity) < 1e-5, $"query {q}, {theirs[i].Word}: gensim {theirs[i].Score}, ours {ours[i].Similarity}");
        }
        var odd = doc.RootElement.GetProperty("doesnt_match").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(odd[0], vectors.DoesntMatch(["w1", "w2", "w3", "w4"]));
        Assert.Equal(odd[1], vectors.DoesntMatch(["w10", "w20", "w30", "w40", "w50"]));
        Assert.Equal(odd[2], vectors.DoesntMatch(["w7", "w8", "w9", "nope"]));

        // The command line prints the same words, one per line with the score.
        var (code, stdout, stderr) = HSoftmax.Tests.Cli.CliRun.Run("most-similar", tmp.File("g.bin"), "--positive", "w2", "w3", "--negative", "w4", "--topn", "7");
        Assert.True(code == 0, stderr);
        Assert.Equal(expected[1].EnumerateArray().Select(e => e[0].GetString()), stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
        (code, stdout, stderr) = HSoftmax.Tests.Cli.CliRun.Run("doesnt-match", tmp.File("g.bin"), "w7", "w8", "w9", "nope");
        Assert.Equal(0, code);
        Assert.Equal(odd[2], stdout.Trim());
        Assert.Contains("left out: nope", stderr);
        (code, _, stderr) = HSoftmax.Tests.Cli.CliRun.Run("most-similar", tmp.File("g.bin"), "--positive", "nope");
        Assert.Equal(1, code);
        Assert.Equal("hsoftmax: 'nope' is not in the vocabulary", stderr.Trim());
    }

    [RequiresToolFact("gensim")]
    public void FilesWrittenByGensimLoadExactly()
    {
        using var tmp = new TempFolder();
        const string script = """
            import json, sys
            import numpy as np
            from gensim.models import KeyedVectors
            folder = sys.argv[1]
            rng = np.random.default_rng(7)
            words = ['</s>', 'the', 'Straße', '日本語', 'naïve', 'a.b', "don't"] + ['w%d' % i for i in range(300)]
            kv = KeyedVectors(13)
            kv.add_vectors(words, (rng.standard_normal((len(words), 13)) * np.float32(0.3)).astype(np.float32))
            kv.save_word2vec_format(folder + '/g.bin', binary=True)
            kv.save_word2vec_format(folder + '/g.txt', binary=False)
            json.dump({'words': kv.index_to_key, 'bits': kv.vectors.view(np.uint32).ravel().tolist()},
                      open(folder + '/g.json', 'w', encoding='utf-8'), ensure_ascii=False)
            """;
        Tools.RunPython(script, tmp.Path);
        using var doc = JsonDocument.Parse(File.ReadAllText(tmp.File("g.json")));
        var words = doc.RootElement.GetProperty("words").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var values = doc.RootElement.GetProperty("bits").EnumerateArray().Select(e => BitConverter.UInt32BitsToSingle(e.GetUInt32())).ToArray();
        Assert.Equal(307, words.Length);
        foreach (string file in new[] { "g.bin", "g.txt" })
        {
            var v = Word2VecFile.Load(tmp.File(file));
            Assert.Equal(13, v.Dim);
            Assert.Equal(words, v.Words);
            Assert.Equal(values, v.Data.ToArray());
        }
        var limited = Word2VecFile.Load(tmp.File("g.bin"), new VectorReadOptions { Limit = 3 });
        Assert.Equal(["</s>", "the", "Straße"], limited.Words);
    }

    [RequiresToolFact("fasttext")]
    public void FastTextVecFileLoadsWithTheSameValuesGensimReads()
    {
        Tools.Require("fasttext");
        string fasttext = Tools.FastText!;
        using var tmp = new TempFolder();
        var rng = new Random(4);
        string[] vocab = Enumerable.Range(0, 60).Select(i => $"t{i}").Concat(["naïve", "Über"]).ToArray();
        var text = new StringBuilder();
        for (int line = 0; line < 300; line++)
            text.AppendLine(string.Join(' ', Enumerable.Range(0, 12).Select(_ => vocab[Math.Min(rng.Next(vocab.Length), rng.Next(vocab.Length))])));
        string input = tmp.Write("corpus.txt", text.ToString());
        string model = tmp.File("model");
        Tools.Run(fasttext, ["skipgram", "-input", input, "-output", model, "-dim", "10", "-epoch", "1", "-minCount", "1", "-thread", "1", "-verbose", "0"], TimeSpan.FromMinutes(2));

        string vec = model + ".vec";
        string header = File.ReadLines(vec).First().Trim();
        var v = Word2VecFile.Load(vec);
        Assert.Equal(header, $"{v.Count} {v.Dim}");
        Assert.Equal(10, v.Dim);
        Assert.Equal("</s>", v.GetWord(0));
        Assert.Equal(vocab.OrderBy(w => w, StringComparer.Ordinal), v.Words.Where(w => w != "</s>").OrderBy(w => w, StringComparer.Ordinal));
        // Independent reading of the same lines: every value as written, to float.
        foreach (string line in File.ReadLines(vec).Skip(1))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var row = v.GetVector(v.IndexOf(parts[0]));
            Assert.Equal(parts.Skip(1).Select(p => float.Parse(p, System.Globalization.CultureInfo.InvariantCulture)), row.ToArray());
        }
        if (Tools.WhyMissing("gensim") is null)
        {
            const string script = """
                import json, sys
                import numpy as np
                from gensim.models import KeyedVectors
                kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=False)
                print(json.dumps({'words': kv.index_to_key, 'bits': kv.vectors.view(np.uint32).ravel().tolist()}, ensure_ascii=False))
                """;
            using var doc = JsonDocument.Parse(Tools.RunPython(script, vec));
            Assert.Equal(doc.RootElement.GetProperty("words").EnumerateArray().Select(e => e.GetString()), v.Words);
            Assert.Equal(doc.RootElement.GetProperty("bits").EnumerateArray().Select(e => BitConverter.UInt32BitsToSingle(e.GetUInt32())), v.Data.ToArray());
        }
    }
}
