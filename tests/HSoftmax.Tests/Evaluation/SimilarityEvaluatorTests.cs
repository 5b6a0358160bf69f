using HSoftmax.Corpus;
using HSoftmax.Evaluation;
using HSoftmax.Vectors;

namespace HSoftmax.Tests.Evaluation;

public class SimilarityEvaluatorTests
{
    [Fact]
    public void TiesShareTheirAverageRank()
    {
        Assert.Equal([1, 2.5, 2.5, 4], SimilarityEvaluator.Ranks([10, 20, 20, 30]));
        Assert.Equal([3, 3, 1, 3, 5.5, 5.5], SimilarityEvaluator.Ranks([7, 7, 2, 7, 9, 9]));
    }

    [Fact]
    public void SpearmanWithTiesMatchesHandValue()
    {
        // ranks x = 1..5, ranks y = 1, 2, 3.5, 5, 3.5: r = 8 / sqrt(10 * 9.5)
        double rho = SimilarityEvaluator.Spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]);
        Assert.Equal(8 / Math.Sqrt(95), rho, 12);
        Assert.Equal(0.820782681668123, rho, 12);
        Assert.Equal(1.0, SimilarityEvaluator.Spearman([1, 2, 3], [10, 100, 1000]), 12);
        Assert.Equal(-1.0, SimilarityEvaluator.Spearman([1, 2, 3], [3, 2, 1]), 12);
    }

    [Fact]
    public void PearsonMatchesHandValue()
    {
        // x - mean = -1, 0, 1; y - mean = -7/3, -1/3, 8/3: r = 5 / sqrt(2 * 114/9)
        Assert.Equal(5 / Math.Sqrt(2 * 114.0 / 9), SimilarityEvaluator.Pearson([1, 2, 3], [2, 4, 7]), 12);
        Assert.Equal(0.993399267798783, SimilarityEvaluator.Pearson([1, 2, 3], [2, 4, 7]), 12);
        Assert.True(double.IsNaN(SimilarityEvaluator.Pearson([1, 1, 1], [1, 2, 3])));
        Assert.True(double.IsNaN(SimilarityEvaluator.Pearson([1], [2])));
    }

    [Fact]
    public void PairFilesWithTabsSpacesCrlfAndCommentsAreRead()
    {
        using var tmp = new TempFolder();
        string path = tmp.Write("pairs.txt", "# a comment\r\nlove\tsex\t6.77\r\nTiger\tcat\t7.35\r\n\r\nbook paper   7.46\r\nbroken\tline\r\nnot\ta\tnumber\r\nlast one 3");
        var set = WordPairSet.Load(path);
        Assert.Equal("pairs.txt", set.Name);
        Assert.Equal(
            [new WordPair("love", "sex", 6.77, 2), new WordPair("Tiger", "cat", 7.35, 3), new WordPair("book", "paper", 7.46, 5), new WordPair("last", "one", 3, 8)],
            set.Pairs);
        Assert.Equal(2, set.InvalidLines);
    }

    [Fact]
    public void UnknownPairsAreReportedAndSkipped()
    {
        // cos(a, b) = 1, cos(a, c) = 0.6, cos(a, d) = 0, cos(b, d) = 0.
        var v = AnalogyEvaluatorTests.Vectors(("a", [1, 0]), ("b", [2, 0]), ("c", [3, 4]), ("d", [0, 5]));
        var set = WordPairSet.Parse("s.txt", "a\tb\t10\nA\tc\t5\na\td\t1\nb\tzzz\t3\nB\tD\t0.5\n");
        var result = new SimilarityEvaluator(v).Evaluate(set);
        Assert.Equal(5, result.Pairs);
        Assert.Equal(4, result.Found);
        Assert.Equal([new WordPair("b", "zzz", 3, 4)], result.Unknown);
        Assert.Equal(20, result.OovRatio, 12);
        Assert.Equal(1.0, result.ModelScores[0], 6);
        Assert.Equal(0.6, result.ModelScores[1], 6);
        Assert.True(double.IsNaN(result.ModelScores[3]));
        // gold 10, 5, 1, 0.5 against model 1, 0.6, 0, 0: ranks 4,3,2,1 vs 4,3,1.5,1.5
        Assert.Equal(SimilarityEvaluator.Pearson([4, 3, 2, 1], [4, 3, 1.5, 1.5]), result.Spearman, 12);
        Assert.Equal(SimilarityEvaluator.Pearson([10, 5, 1, 0.5], [1, 0.6, 0, 0]), result.Pearson, 6);

        var dummy = new SimilarityEvaluator(v, new SimilarityOptions { CountUnknownAsZero = true }).Evaluate(set);
        Assert.Equal(4, dummy.Found);
        Assert.Equal(SimilarityEvaluator.Spearman([10, 5, 1, 3, 0.5], [1, 0.6, 0, 0, 0]), dummy.Spearman, 12);

        var sensitive = new SimilarityEvaluator(v, new SimilarityOptions { CaseInsensitive = false }).Evaluate(set);
        Assert.Equal(2, sensitive.Found); // "A" and "B", "D" are not words when case matters

        var restricted = new SimilarityEvaluator(v, new SimilarityOptions { Restrict = 3 }).Evaluate(set);
        Assert.Equal(2, restricted.Found); // d is row 3, outside the first 3
    }

    [Fact]
    public void FileWithoutPairsIsAnErrorNamingIt()
    {
        using var tmp = new TempFolder();
        string path = tmp.Write("none.txt", "# only\n# comments\n");
        var e = Assert.Throws<EvaluationFileException>(() => WordPairSet.Load(path));
        Assert.Contains(path, e.Message);
        string missing = tmp.File("missing.txt");
        Assert.Contains(missing, Assert.Throws<EvaluationFileException>(() => WordPairSet.Load(missing)).Message);
    }
}
