using HSoftmax.Text;
using System.Globalization;
using HSoftmax.Corpus;
using HSoftmax.Simd;
using HSoftmax.Vectors;

namespace HSoftmax.Evaluation;

/// <summary>A word pair with its human score, and its line in the file.</summary>
/// <param name="First">The first word.</param>
/// <param name="Second">The second word.</param>
/// <param name="Score">The human similarity score, on the set's own scale.</param>
/// <param name="Line">The pair's line in the file, counting from 1.</param>
public sealed record WordPair(string First, string Second, double Score, int Line);

/// <summary>
/// A word-similarity set: one pair per line, "word1 TAB word2 TAB score" (as gensim reads them) or, on lines
/// without a tab, three whitespace-separated fields; '#' comment lines and blank lines are skipped; CR, CRLF
/// and LF line ends; any score scale.
/// </summary>
public sealed class WordPairSet
{
    /// <summary>A set made of the given pairs.</summary>
    /// <param name="name">The set's name.</param>
    /// <param name="pairs">The pairs, in order.</param>
    /// <param name="invalidLines">Lines skipped when parsing, for the report.</param>
    public WordPairSet(string name, IReadOnlyList<WordPair> pairs, int invalidLines = 0)
    {
        Name = name;
        Pairs = pairs;
        InvalidLines = invalidLines;
    }

    /// <summary>The file name (no folder).</summary>
    public string Name { get; }
    /// <summary>The pairs, in file order.</summary>
    public IReadOnlyList<WordPair> Pairs { get; }
    /// <summary>Non-blank, non-comment lines that are not a pair and a number (skipped, as gensim does).</summary>
    public int InvalidLines { get; }

    /// <summary>Reads a word-pair file, plain or gzip.</summary>
    /// <exception cref="EvaluationFileException">The file cannot be read, is not UTF-8, or holds no pairs.</exception>
    public static WordPairSet Load(string path)
    {
        var set = Parse(Path.GetFileName(path), EvalFile.ReadLines(path, universalNewlines: true));
        if (set.Pairs.Count == 0)
            throw new EvaluationFileException($"{path}: no word pairs found (expected 'word1<TAB>word2<TAB>score' lines)");
        return set;
    }

    /// <summary>Parses word-pair text held in memory; lines that are not pairs are counted, not thrown on.</summary>
    public static WordPairSet Parse(string name, string text)
    {
        var lines = new List<(int, string)>();
        int n = 0;
        foreach (string line in text.ReplaceLineEndings("\n").Split('\n')) lines.Add((++n, line));
        return Parse(name, lines);
    }

    private static WordPairSet Parse(string name, List<(int Line, string Text)> lines)
    {
        var pairs = new List<WordPair>();
        int invalid = 0;
        foreach (var (number, text) in lines)
        {
            if (text.StartsWith('#') || PythonText.Strip(text).IsEmpty) continue;
            string first, second, score;
            if (text.Contains('\t'))
            {
                // gensim: line.split('\t') must give exactly three fields.
                string[] fields = text.Split('\t');
                if (fields.Length != 3) { invalid++; continue; }
                (first, second, score) = (PythonText.Strip(fields[0]).ToString(), PythonText.Strip(fields[1]).ToString(), fields[2]);
            }
            else
            {
                var fields = PythonText.Split(text);
                if (fields.Count != 3) { invalid++; continue; }
                (first, second, score) = (fields[0], fields[1], fields[2]);
            }
            if (first.Length == 0 || second.Length == 0
                || !double.TryParse(PythonText.Strip(score), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                || !double.IsFinite(value))
            {
                invalid++;
                continue;
            }
            pairs.Add(new WordPair(first, second, value, number));
        }
        return new WordPairSet(name, pairs, invalid);
    }
}

/// <summary>How <see cref="SimilarityEvaluator"/> looks words up; the defaults are gensim's.</summary>
public sealed record SimilarityOptions
{
    /// <summary>Only the first N rows are looked up (gensim's restrict_vocab; its default is 300,000).</summary>
    public int Restrict { get; init; } = 300_000;
    /// <summary>Upper-case words (as Python does) before lookup; the first row of each upper-cased form stands for it.</summary>
    public bool CaseInsensitive { get; init; } = true;
    /// <summary>Keep pairs with an unknown word, with model similarity 0 (gensim's dummy4unknown).</summary>
    public bool CountUnknownAsZero { get; init; }
}

/// <summary>The result of evaluating one word-pair set: the correlations, and the pairs that could not be scored.</summary>
public sealed class SimilarityResult
{
    /// <summary>The set's name (its file name).</summary>
    public required string Set { get; init; }
    /// <summary>Pairs read from the file.</summary>
    public required int Pairs { get; init; }
    /// <summary>Pairs whose two words are both known (the ones correlated, unless unknown pairs count as 0).</summary>
    public required int Found { get; init; }
    /// <summary>Spearman's rho with tie-averaged ranks; NaN with fewer than two pairs or no variance.</summary>
    public required double Spearman { get; init; }
    /// <summary>Pearson's r of the raw scores; NaN with fewer than two pairs or no variance.</summary>
    public required double Pearson { get; init; }
    /// <summary>The pairs skipped (or scored 0) because a word is unknown.</summary>
    public required IReadOnlyList<WordPair> Unknown { get; init; }
    /// <summary>Lines of the file skipped for not being a pair and a number.</summary>
    public required int InvalidLines { get; init; }
    /// <summary>The restriction used: only the first this many rows were looked up.</summary>
    public required int Restrict { get; init; }
    /// <summary>Model cosine per pair, in file order (NaN for an unknown pair).</summary>
    public required IReadOnlyList<double> ModelScores { get; init; }

    /// <summary>Found / pairs; 0 for an empty set.</summary>
    public double Coverage => Pairs == 0 ? 0 : (double)Found / Pairs;
    /// <summary>gensim's oov_ratio, in percent.</summary>
    public double OovRatio => Pairs == 0 ? 0 : 100.0 * Unknown.Count / Pairs;
}

/// <summary>
/// Correlation between human similarity scores and cosine similarity, as gensim 4.2's <c>evaluate_word_pairs</c>
/// computes it: same restricted, upper-cased vocabulary as the analogy evaluation, pairs with an unknown word
/// skipped (or scored 0), Spearman (scipy's spearmanr: average ranks for ties) and Pearson (scipy's pearsonr).
/// Unlike gensim, the words of a tab-separated line are stripped of surrounding spaces, and lines without a tab
/// are split on whitespace.
/// </summary>
public sealed class SimilarityEvaluator
{
    private readonly EvalVocabulary _vocabulary;

    /// <summary>Prepares the restricted vocabulary of <paramref name="vectors"/> for scoring pairs.</summary>
    /// <param name="vectors">The vectors to evaluate, most frequent word first.</param>
    /// <param name="options">How to look words up; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="SimilarityOptions.Restrict"/> is below 1.</exception>
    public SimilarityEvaluator(WordVectors vectors, SimilarityOptions? options = null)
    {
        Options = options ?? new SimilarityOptions();
        _vocabulary = new EvalVocabulary(vectors, Options.Restrict, Options.CaseInsensitive);
    }

    /// <summary>The options in use.</summary>
    public SimilarityOptions Options { get; }

    /// <summary>Loads the word-pair set at <paramref name="path"/> (see <see cref="WordPairSet.Load"/>) and evaluates <paramref name="vectors"/> on it.</summary>
    /// <exception cref="EvaluationFileException">The set cannot be read or holds no pairs.</exception>
    public static SimilarityResult Evaluate(WordVectors vectors, string path, SimilarityOptions? options = null) =>
        new SimilarityEvaluator(vectors, options).Evaluate(WordPairSet.Load(path));

    /// <summary>Loads the word-pair set at <paramref name="path"/> (see <see cref="WordPairSet.Load"/>) and evaluates it.</summary>
    /// <exception cref="EvaluationFileException">The set cannot be read or holds no pairs.</exception>
    public SimilarityResult Evaluate(string path) => Evaluate(WordPairSet.Load(path));

    /// <summary>Scores every pair of <paramref name="set"/> by cosine and correlates the scores with the human ones.</summary>
    public SimilarityResult Evaluate(WordPairSet set)
    {
        var gold = new List<double>();
        var model = new List<double>();
        var unknown = new List<WordPair>();
        var modelScores = new double[set.Pairs.Count];
        for (int i = 0; i < set.Pairs.Count; i++)
        {
            var pair = set.Pairs[i];
            int a = _vocabulary.RowOf(pair.First), b = _vocabulary.RowOf(pair.Second);
            if (a < 0 || b < 0)
            {
                unknown.Add(pair);
                modelScores[i] = double.NaN;
                if (Options.CountUnknownAsZero) { gold.Add(pair.Score); model.Add(0); }
                continue;
            }
            double cos = Cosine(_vocabulary.Vectors, a, b);
            modelScores[i] = cos;
            gold.Add(pair.Score);
            model.Add(cos);
        }
        return new SimilarityResult
        {
            Set = set.Name,
            Pairs = set.Pairs.Count,
            Found = set.Pairs.Count - unknown.Count,
            Spearman = Spearman(gold, model),
            Pearson = Pearson(gold, model),
            Unknown = unknown,
            InvalidLines = set.InvalidLines,
            Restrict = Options.Restrict,
            ModelScores = modelScores,
        };
    }

    /// <summary>Cosine of two rows in float32, each scaled by the reciprocal of its norm first (gensim's similarity(), via unitvec); 0 for a zero row.</summary>
    internal static unsafe double Cosine(WordVectors vectors, int a, int b)
    {
        int dim = vectors.Dim;
        Span<float> x = dim <= 1024 ? stackalloc float[dim] : new float[dim];
        Span<float> y = dim <= 1024 ? stackalloc float[dim] : new float[dim];
        Unit(vectors.GetVector(a), x);
        Unit(vectors.GetVector(b), y);
        fixed (float* px = x, py = y) return VectorMath.Dot(px, py, dim);
    }

    private static void Unit(ReadOnlySpan<float> v, Span<float> target)
    {
        double sum = 0;
        foreach (float f in v) sum += (double)f * f;
        float norm = (float)Math.Sqrt(sum);
        float scale = norm > 0 ? (float)(1.0 / norm) : 1f;
        for (int i = 0; i < v.Length; i++) target[i] = v[i] * scale;
    }

    /// <summary>Spearman's rank correlation: Pearson's r of the ranks, ties given their average rank.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(Ranks(x), Ranks(y));

    /// <summary>Pearson's r, clipped to [-1, 1]; NaN for fewer than two values or a constant list.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException("lists differ in length");
        int n = x.Count;
        if (n < 2) return double.NaN;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return double.NaN;
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>1-based ranks, equal values sharing the mean of their ranks (scipy's rankdata 'average').</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        int n = values.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (a, b) => values[a].CompareTo(values[b]) is int c && c != 0 ? c : a.CompareTo(b));
        var ranks = new double[n];
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && values[order[j + 1]] == values[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) ranks[order[t]] = rank;
            i = j + 1;
        }
        return ranks;
    }
}
