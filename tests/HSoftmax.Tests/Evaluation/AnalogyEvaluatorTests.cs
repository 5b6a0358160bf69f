using HSoftmax.Text;
using HSoftmax.Corpus;
using HSoftmax.Evaluation;
using HSoftmax.Vectors;

namespace HSoftmax.Tests.Evaluation;

public class AnalogyEvaluatorTests
{
    // 2-D vectors where 3CosAdd and 3CosMul disagree on "a : b :: c : ?" (worked by hand):
    // unit(b + c - a) = (0.345, -0.939); cosines x 0.8079, z 0.5894, y < 0 -> 3CosAdd says x.
    // z is almost opposite a (cos -0.981), so 3CosMul's denominator (1 + cos)/2 is tiny: z scores 18.50, x 1.370 -> z.
    internal static WordVectors AddVsMul() => Vectors(
        ("a", [1, 1]), ("b", [1, -3]), ("c", [3, 0]), ("x", [3, -2]), ("y", [-1, 3]), ("z", [-2, -3]));

    internal static WordVectors Vectors(params (string Word, float[] Vector)[] rows)
    {
        int dim = rows[0].Vector.Length;
        return new WordVectors(rows.Select(r => r.Word).ToArray(), rows.SelectMany(r => r.Vector).ToArray(), dim);
    }

    [Fact]
    public void CosAddAndCosMulGiveTheirOwnExactAnswers()
    {
        var vectors = AddVsMul();
        var add = new AnalogyEvaluator(vectors, new AnalogyOptions { Method = AnalogyMethod.CosAdd }).Solve("a", "b", "c", 3);
        Assert.Equal(["x", "z", "y"], add.Select(r => r.Word));
        Assert.Equal(0.807859, add[0].Score, 5);
        Assert.Equal(0.589376, add[1].Score, 5);

        var mul = new AnalogyEvaluator(vectors, new AnalogyOptions { Method = AnalogyMethod.CosMul }).Solve("a", "b", "c", 3);
        Assert.Equal(["z", "x", "y"], mul.Select(r => r.Word));
        Assert.InRange(mul[0].Score, 18.5024f, 18.5027f); // 18.50253 in double; the tiny denominator amplifies float32 rounding
        Assert.Equal(1.370343, mul[1].Score, 4);
    }

    [Fact]
    public void EvaluateCountsPerSectionForBothMethods()
    {
        var set = AnalogySet.Parse("t.txt", ": first\na b c x\na b c z\n: gram-second\nb a c y\nA B C X\n");
        var add = new AnalogyEvaluator(AddVsMul()).Evaluate(set);
        var mul = new AnalogyEvaluator(AddVsMul(), new AnalogyOptions { Method = AnalogyMethod.CosMul }).Evaluate(set);

        Assert.Equal("3cosadd", add.MethodName);
        Assert.Equal(["first", "gram-second"], add.Sections.Select(s => s.Name));
        // first: add gets "x" right and "z" wrong; mul the other way round.
        Assert.Equal((1, 2, 2), (add.Sections[0].Correct, add.Sections[0].Seen, add.Sections[0].Total));
        Assert.Equal((1, 2, 2), (mul.Sections[0].Correct, mul.Sections[0].Seen, mul.Sections[0].Total));
        Assert.Equal("X", add.Outcomes[0].Predicted);
        Assert.True(add.Outcomes[0].Correct);
        Assert.Equal("X", add.Outcomes[1].Predicted);
        Assert.Equal("Z", mul.Outcomes[1].Predicted);
        Assert.True(mul.Outcomes[1].Correct);
        // upper-case question words are found case-insensitively
        Assert.True(add.Outcomes[3].Known);
        Assert.True(add.Outcomes[3].Correct);
        Assert.Equal(3, add.Correct);
        Assert.Equal(4, add.Seen);
        Assert.Equal(0.75, add.Accuracy);
        // semantic/syntactic split by "gram" prefix
        Assert.Equal((1, 2), (add.Semantic.Correct, add.Semantic.Seen));
        Assert.Equal((2, 2), (add.Syntactic.Correct, add.Syntactic.Seen));
    }

    [Fact]
    public void RestrictDropsRowsFromQuestionsAndAnswers()
    {
        // Rows: a b c z x y. With restrict 4, x (row 4) can neither be asked about nor answered.
        var v = Vectors(("a", [1, 1]), ("b", [1, -3]), ("c", [3, 0]), ("z", [-2, -3]), ("x", [3, -2]), ("y", [-1, 3]));
        var set = AnalogySet.Parse("t.txt", ": s\na b c x\na b c z\n");
        var all = new AnalogyEvaluator(v, new AnalogyOptions { Restrict = 30_000 }).Evaluate(set);
        Assert.Equal((1, 2), (all.Correct, all.Seen));
        Assert.Equal(6, all.RowsSearched);

        var four = new AnalogyEvaluator(v, new AnalogyOptions { Restrict = 4 }).Evaluate(set);
        Assert.Equal(4, four.RowsSearched);
        Assert.False(four.Outcomes[0].Known);            // x is outside the first 4 rows: skipped
        Assert.Equal("Z", four.Outcomes[1].Predicted);   // without x, z is 3CosAdd's best answer
        Assert.Equal((1, 1, 2), (four.Correct, four.Seen, four.Total));
        Assert.Equal(0.5, four.Coverage);
        Assert.Equal(1.0, four.Accuracy);

        var dummy = new AnalogyEvaluator(v, new AnalogyOptions { Restrict = 4, CountUnknownAsWrong = true }).Evaluate(set);
        Assert.Equal((1, 2, 2), (dummy.Correct, dummy.Seen, dummy.Total));
        Assert.Equal(0.5, dummy.Accuracy);

        Assert.Throws<KeyNotFoundException>(() => new AnalogyEvaluator(v, new AnalogyOptions { Restrict = 4 }).Solve("a", "x", "c"));
    }

    [Fact]
    public void CaseInsensitiveUsesFirstRowOfEachUpperCasedForm()
    {
        // "Paris" (row 0) and "paris" (row 4) share the key PARIS: row 0 stands for both.
        var v = Vectors(("Paris", [1, 0]), ("France", [0, 1]), ("Rome", [1, 0.1f]), ("Italy", [0.1f, 1]), ("paris", [-1, -1]));
        var set = AnalogySet.Parse("t.txt", ": capitals\nparis france rome italy\nPARIS FRANCE ROME ITALY\n");
        var insensitive = new AnalogyEvaluator(v).Evaluate(set);
        Assert.Equal((2, 2), (insensitive.Correct, insensitive.Seen));

        var sensitive = new AnalogyEvaluator(v, new AnalogyOptions { CaseInsensitive = false }).Evaluate(set);
        Assert.Equal((0, 0, 2), (sensitive.Correct, sensitive.Seen, sensitive.Total)); // "france", "ITALY"... are unknown
        Assert.Equal(0, sensitive.Known);
    }

    [Fact]
    public void CaseVariantOfAQuestionWordIsPassedOverLikeGensim()
    {
        // "KING" (row 5) is not the excluded row of "king" (row 1) and is the best raw answer,
        // but its upper-cased form is a question word, so the next candidate is taken.
        var v = Vectors(("man", [1, 0, 0]), ("king", [1, 1, 0]), ("woman", [0, 0, 1]), ("queen", [0, 1, 1.1f]),
            ("apple", [-1, 0, 0]), ("KING", [-0.3f, 0.7f, 1]));
        var result = new AnalogyEvaluator(v).Evaluate(AnalogySet.Parse("t.txt", ": s\nman king woman queen\n"));
        Assert.Equal("QUEEN", result.Outcomes[0].Predicted);
        Assert.Equal(1, result.Correct);
        // The solver leaves out every case form of the question words.
        var answers = new AnalogyEvaluator(v).Solve("man", "king", "woman", 2);
        Assert.Equal(["queen", "apple"], answers.Select(a => a.Word));
    }

    [Fact]
    public void PythonUpperCasingMatchesGensimKeys()
    {
        Assert.Equal("STRASSE", PythonText.Upper("straße"));
        Assert.Equal("FIX", PythonText.Upper("ﬁx"));
        Assert.Equal("I", PythonText.Upper("ı"));
        Assert.Equal("ÉTÉ", PythonText.Upper("été"));
        var v = Vectors(("STRASSE", [1, 0]), ("straße", [0, 1]));
        Assert.Equal(0, v.IndexOf("Straße", ignoreCase: true));
        Assert.Equal(1, v.IndexOf("straße", ignoreCase: true)); // an exact match wins
    }

    [Fact]
    public void QuestionsWordsParsingFollowsGensim()
    {
        using var tmp = new TempFolder();
        string path = tmp.Write("q.txt", ": capital-common-countries\r\nAthens Greece Baghdad Iraq\r\n\r\nonly three words\r\n:  gram1-adjective-to-adverb \r\namazing amazingly apparent apparently\r\nfive words on this line\n");
        var set = AnalogySet.Load(path);
        Assert.Equal("q.txt", set.Name);
        Assert.Equal(["capital-common-countries", "gram1-adjective-to-adverb"], set.Sections.Select(s => s.Name));
        Assert.Equal(2, set.QuestionCount);
        Assert.Equal(2, set.InvalidLines);
        Assert.Equal(new AnalogyQuestion("Athens", "Greece", "Baghdad", "Iraq", 2), set.Sections[0].Questions[0]);
        Assert.True(set.Sections[1].IsSyntactic);
        Assert.False(set.Sections[0].IsSyntactic);
    }

    [Fact]
    public void QuestionBeforeAnySectionIsAnErrorNamingFileAndLine()
    {
        using var tmp = new TempFolder();
        string path = tmp.Write("bad.txt", "a b c d\n: s\na b c d\n");
        var e = Assert.Throws<EvaluationFileException>(() => AnalogySet.Load(path));
        Assert.Contains(path + ":1", e.Message);
        string empty = tmp.Write("empty.txt", "\n\n");
        Assert.Contains(empty, Assert.Throws<EvaluationFileException>(() => AnalogySet.Load(empty)).Message);
        string binary = tmp.Write("latin1.txt", [(byte)':', (byte)' ', (byte)'s', (byte)'\n', 0xE9, (byte)' ', (byte)'b', (byte)' ', (byte)'c', (byte)' ', (byte)'d', (byte)'\n']);
        Assert.Contains(binary + ":2: invalid UTF-8", Assert.Throws<EvaluationFileException>(() => AnalogySet.Load(binary)).Message);
    }

    [Fact]
    public void CsvSetGroupsTypesInOrderOfFirstAppearance()
    {
        using var tmp = new TempFolder();
        string path = tmp.Write("msr.csv", ",type,word1,word2,word3,target\r\n0,JJ_JJR,good,better,rough,rougher\r\n1,NN_NNS,city,cities,dog,dogs\r\n2,JJ_JJR,big,bigger,small,smaller\r\n3,NN_NNS,short\r\n");
        var set = AnalogySet.Load(path);
        Assert.Equal(["JJ_JJR", "NN_NNS"], set.Sections.Select(s => s.Name));
        Assert.Equal(2, set.Sections[0].Questions.Count);
        Assert.Equal(new AnalogyQuestion("big", "bigger", "small", "smaller", 4), set.Sections[0].Questions[1]);
        Assert.Equal(1, set.InvalidLines);
    }

    [Fact]
    public void BundledMsrCsvAndQuestionsWordsLayoutAgree()
    {
        string? csv = SharedData.Path("eval/analogy/msr.csv");
        string? folder = EvaluationSuite.FindBundledEvalFolder();
        if (csv is null || folder is null) return; // the CSV is not bundled; nothing to compare outside the project machines
        var fromCsv = AnalogySet.Load(csv);
        var fromText = AnalogySet.Load(Path.Combine(folder, "analogy", "msr-questions-words.txt"));
        Assert.Equal(8000, fromCsv.QuestionCount);
        Assert.Equal(fromText.Sections.Select(s => (s.Name, s.Questions.Count)), fromCsv.Sections.Select(s => (s.Name, s.Questions.Count)));
        Assert.Equal(fromText.Sections.SelectMany(s => s.Questions).Select(q => (q.A, q.B, q.C, q.Expected)),
            fromCsv.Sections.SelectMany(s => s.Questions).Select(q => (q.A, q.B, q.C, q.Expected)));
    }

    [Theory]
    [InlineData(1, 5, 3)]
    [InlineData(7, 40, 17)]
    [InlineData(16, 100, 64)]
    [InlineData(33, 300, 250)]
    [InlineData(100, 200, 200)]
    public void BatchedScanMatchesBruteForce(int dim, int words, int restrict)
    {
        var rng = new Random(dim * 1000 + words);
        var names = Enumerable.Range(0, words).Select(i => $"w{i}").ToArray();
        var data = Enumerable.Range(0, words * dim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var v = new WordVectors(names, data, dim);
        foreach (var method in new[] { AnalogyMethod.CosAdd, AnalogyMethod.CosMul })
        {
            var evaluator = new AnalogyEvaluator(v, new AnalogyOptions { Method = method, Restrict = restrict });
            for (int t = 0; t < 20; t++)
            {
                int a = rng.Next(restrict), b = rng.Next(restrict), c = rng.Next(restrict);
                var got = evaluator.Solve(names[a], names[b], names[c], 3);
                var want = BruteForce(v, method, restrict, a, b, c).Take(3).ToList();
                Assert.Equal(want.Count, got.Count);
                for (int i = 0; i < want.Count; i++)
                {
                    Assert.True(Math.Abs(want[i].Score - got[i].Score) <= 1e-4 * Math.Max(1, Math.Abs(want[i].Score)),
                        $"{method} dim {dim}: score {got[i].Score} vs brute force {want[i].Score}");
                    if (IsClearOf(want, i)) Assert.Equal(names[want[i].Row], got[i].Word);
                }
            }
        }
    }

    // The word at rank i is only well defined when its score is clear of its neighbours' (float32 vs double rounding).
    private static bool IsClearOf(List<(int Row, double Score)> ranked, int i) =>
        (i == 0 || ranked[i - 1].Score - ranked[i].Score > 1e-4 * Math.Max(1, Math.Abs(ranked[i].Score)))
        && (i + 1 >= ranked.Count || ranked[i].Score - ranked[i + 1].Score > 1e-4 * Math.Max(1, Math.Abs(ranked[i].Score)));

    private static IEnumerable<(int Row, double Score)> BruteForce(WordVectors v, AnalogyMethod method, int restrict, int a, int b, int c)
    {
        double[] Unit(int r)
        {
            var x = v.GetVector(r).ToArray().Select(f => (double)f).ToArray();
            double n = Math.Sqrt(x.Sum(f => f * f));
            return x.Select(f => f / n).ToArray();
        }
        double Dot(double[] x, double[] y) => x.Zip(y, (p, q) => p * q).Sum();
        double[] ua = Unit(a), ub = Unit(b), uc = Unit(c);
        var q = ub.Select((x, i) => x + uc[i] - ua[i]).ToArray();
        double qn = Math.Sqrt(q.Sum(f => f * f));
        var scores = new List<(int, double)>();
        for (int r = 0; r < Math.Min(restrict, v.Count); r++)
        {
            if (r == a || r == b || r == c) continue;
            var u = Unit(r);
            double s = method == AnalogyMethod.CosAdd
                ? Dot(u, q) / qn
                : (1 + Dot(u, ub)) / 2 * ((1 + Dot(u, uc)) / 2) / ((1 + Dot(u, ua)) / 2 + 1e-6);
            scores.Add((r, s));
        }
        return scores.OrderByDescending(s => s.Item2).ThenBy(s => s.Item1);
    }
}
