using System.CommandLine;
using System.Text.Json;
using HSoftmax.Cli;
using HSoftmax.Evaluation;
using HSoftmax.Vectors;

namespace HSoftmax.Tests.Evaluation;

public class EvalCommandsTests
{
    private static (int Code, string Out, string Err) Invoke(Command command, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = command.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static string WriteAddVsMul(TempFolder tmp, VectorFormat format = VectorFormat.Binary)
    {
        string path = tmp.File(format == VectorFormat.Binary ? "v.bin" : "v.txt");
        Word2VecFile.Save(AnalogyEvaluatorTests.AddVsMul(), path, format);
        return path;
    }

    [Fact]
    public void EvalPrintsJsonInTheAgreedLayout()
    {
        using var tmp = new TempFolder();
        string vectors = WriteAddVsMul(tmp);
        string questions = tmp.Write("q.txt", ": first\na b c x\na b c z\n: gram2\nb a c y\na b c unknown\n");
        string pairs = tmp.Write("p.txt", "a\tb\t1\nx\tz\t3\ny\tc\t2\nq\tr\t5\n");

        var (code, stdout, stderr) = Invoke(EvalCommands.Eval(), vectors, "--analogy", questions, "--similarity", pairs, "--json");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(["analogy", "similarity"], root.EnumerateObject().Select(p => p.Name));
        var a = root.GetProperty("analogy")[0];
        Assert.Equal(["set", "method", "restrict", "correct", "seen", "total", "accuracy", "sections"], a.EnumerateObject().Select(p => p.Name));
        Assert.Equal("q.txt", a.GetProperty("set").GetString());
        Assert.Equal("3cosadd", a.GetProperty("method").GetString());
        Assert.Equal(30000, a.GetProperty("restrict").GetInt32());
        Assert.Equal((2, 3, 4), (a.GetProperty("correct").GetInt32(), a.GetProperty("seen").GetInt32(), a.GetProperty("total").GetInt32()));
        Assert.Equal(2.0 / 3, a.GetProperty("accuracy").GetDouble(), 12);
        var second = a.GetProperty("sections")[1];
        Assert.Equal(["name", "correct", "seen", "total"], second.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("gram2", 1, 1, 2), (second.GetProperty("name").GetString(), second.GetProperty("correct").GetInt32(), second.GetProperty("seen").GetInt32(), second.GetProperty("total").GetInt32()));

        var s = root.GetProperty("similarity")[0];
        Assert.Equal(["set", "pairs", "found", "spearman", "pearson"], s.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("p.txt", 4, 3), (s.GetProperty("set").GetString(), s.GetProperty("pairs").GetInt32(), s.GetProperty("found").GetInt32()));
        var v = AnalogyEvaluatorTests.AddVsMul();
        double[] model = [v.Similarity("a", "b"), v.Similarity("x", "z"), v.Similarity("y", "c")];
        Assert.Equal(SimilarityEvaluator.Spearman([1, 3, 2], model), s.GetProperty("spearman").GetDouble(), 12);
        Assert.Equal(SimilarityEvaluator.Pearson([1, 3, 2], model), s.GetProperty("pearson").GetDouble(), 6);

        var mul = Invoke(EvalCommands.Eval(), vectors, "--analogy", questions, "--method", "3cosmul", "--json");
        using var mulDoc = JsonDocument.Parse(mul.Out);
        var first = mulDoc.RootElement.GetProperty("analogy")[0].GetProperty("sections")[0];
        Assert.Equal("3cosmul", mulDoc.RootElement.GetProperty("analogy")[0].GetProperty("method").GetString());
        Assert.Equal(1, first.GetProperty("correct").GetInt32()); // z, not x
        Assert.Empty(mulDoc.RootElement.GetProperty("similarity").EnumerateArray());
    }

    [Fact]
    public void EvalTableShowsCountsAndScores()
    {
        using var tmp = new TempFolder();
        string vectors = WriteAddVsMul(tmp, VectorFormat.Text);
        string questions = tmp.Write("q.txt", ": first\na b c x\na b c z\n: gram2\nb a c y\n");
        var (code, stdout, _) = Invoke(EvalCommands.Eval(), vectors, "--analogy", questions, "--sections", "--restrict", "100");
        Assert.Equal(0, code);
        Assert.Contains("6 words x 2 dims", stdout);
        Assert.Contains("analogy (3cosadd, top 100 words)", stdout);
        Assert.Matches(@"q\.txt\s+3\s+100\.00%\s+66\.67%\s+2/3", stdout);
        Assert.Matches(@"semantic\s+2\s+100\.00%\s+50\.00%\s+1/2", stdout);
        Assert.Matches(@"gram2\s+1\s+100\.00%\s+100\.00%\s+1/1", stdout);
    }

    [Fact]
    public void EvalRunsEveryBundledSet()
    {
        string? folder = EvaluationSuite.FindBundledEvalFolder();
        Assert.NotNull(folder);
        var (analogy, similarity) = EvaluationSuite.ListSets(folder);
        Assert.Equal(["msr-questions-words.txt", "questions-words.txt"], analogy.Select(Path.GetFileName));
        Assert.Equal(["EN-MEN-TR-3k.txt", "EN-MTurk-771.txt", "EN-RG-65.txt", "EN-RW-STANFORD.txt", "EN-SIMLEX-999.txt",
            "EN-WS-353-ALL.txt", "EN-WS-353-REL.txt", "EN-WS-353-SIM.txt"], similarity.Select(Path.GetFileName));

        using var tmp = new TempFolder();
        var v = AnalogyEvaluatorTests.Vectors(("king", [1, 1, 0]), ("queen", [1, 1, 1]), ("man", [1, 0, 0]), ("woman", [1, 0, 1]), ("tiger", [0, 1, 0]), ("cat", [0, 1, 0.2f]));
        string vectors = tmp.File("v.txt");
        Word2VecFile.Save(v, vectors, VectorFormat.Text);
        var (code, stdout, stderr) = Invoke(EvalCommands.Eval(), vectors, "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var questionsWords = doc.RootElement.GetProperty("analogy").EnumerateArray().Single(a => a.GetProperty("set").GetString() == "questions-words.txt");
        Assert.Equal(19544, questionsWords.GetProperty("total").GetInt32());
        Assert.Equal(14, questionsWords.GetProperty("sections").GetArrayLength());
        // "king queen man woman" and "man woman king queen" (family) are the only questions with known words.
        var family = questionsWords.GetProperty("sections").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "family");
        Assert.Equal(2, family.GetProperty("seen").GetInt32());
        Assert.Equal(2, family.GetProperty("correct").GetInt32());
        var ws353 = doc.RootElement.GetProperty("similarity").EnumerateArray().Single(s => s.GetProperty("set").GetString() == "EN-WS-353-ALL.txt");
        Assert.Equal(353, ws353.GetProperty("pairs").GetInt32());
        Assert.Equal(4, ws353.GetProperty("found").GetInt32()); // tiger-cat, tiger-tiger, king-queen, man-woman
    }

    [Fact]
    public void NearestAndAnalogyPrintRankedWords()
    {
        using var tmp = new TempFolder();
        string vectors = WriteAddVsMul(tmp);
        var near = Invoke(EvalCommands.Nearest(), vectors, "X", "-k", "2");
        Assert.Equal(0, near.Code);
        var lines = near.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("x (rank 4):", lines[0]);
        Assert.Matches(@"^\s+1\s+c\s+0\.8321$", lines[1].TrimEnd('\r')); // cos((3,-2), (3,0)) = 3/sqrt(13)
        Assert.Matches(@"^\s+2\s+b\s+0\.7894$", lines[2].TrimEnd('\r')); // (3 + 6) / (sqrt(13) sqrt(10))

        var add = Invoke(EvalCommands.Analogy(), vectors, "a", "b", "c", "-k", "1");
        Assert.Equal(0, add.Code);
        Assert.Contains("b - a + c (3cosadd, 6 words):", add.Out);
        Assert.Matches(@"1\s+x\s+0\.8079", add.Out);
        var mul = Invoke(EvalCommands.Analogy(), vectors, "a", "b", "c", "--method", "3cosmul", "-k", "1");
        Assert.Matches(@"1\s+z\s+18\.50", mul.Out);
    }

    [Fact]
    public void BadInputIsOneLineAndExitCodeOne()
    {
        using var tmp = new TempFolder();
        string vectors = WriteAddVsMul(tmp);
        string corrupt = tmp.Write("corrupt.bin", [.. System.Text.Encoding.ASCII.GetBytes("5 3\nab "), 1, 2, 3]);
        string questions = tmp.Write("q.txt", ": s\na b c x\n");
        var cases = new (Command Command, string[] Args, string Expected)[]
        {
            (EvalCommands.Eval(), [tmp.File("missing.bin"), "--analogy", questions], "missing.bin"),
            (EvalCommands.Eval(), [corrupt, "--analogy", questions], "corrupt.bin: record 1"),
            (EvalCommands.Eval(), [vectors, "--analogy", tmp.File("noquestions.txt")], "noquestions.txt: no such file"),
            (EvalCommands.Eval(), [vectors, "--sets", tmp.Path], "no evaluation sets"),
            (EvalCommands.Nearest(), [vectors, "nosuchword"], "'nosuchword' is not in the vocabulary"),
            (EvalCommands.Analogy(), [vectors, "a", "b", "nosuchword"], "'nosuchword' is not among the 6 words searched"),
            (EvalCommands.Analogy(), [corrupt, "a", "b", "c"], "corrupt.bin"),
        };
        foreach (var (command, args, expected) in cases)
        {
            var (code, _, stderr) = Invoke(command, args);
            Assert.Equal(1, code);
            Assert.StartsWith("hsoftmax: ", stderr);
            Assert.Contains(expected, stderr);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain("   at ", stderr);
        }
        var bad = Invoke(EvalCommands.Eval(), vectors, "--restrict", "0");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--restrict: must be at least 1", bad.Err);
    }

    [Fact]
    public void RunEvalWorksWithoutTheParser()
    {
        using var tmp = new TempFolder();
        string vectors = WriteAddVsMul(tmp);
        string questions = tmp.Write("q.txt", ": s\na b c x\n");
        var output = new StringWriter();
        int code = EvalCommands.RunEval(new EvalSettings { Vectors = vectors, AnalogyFiles = [questions], Json = true }, output, TextWriter.Null);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Equal(1, doc.RootElement.GetProperty("analogy")[0].GetProperty("correct").GetInt32());
    }
}
