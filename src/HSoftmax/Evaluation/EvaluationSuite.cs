using System.Globalization;
using System.Text;
using System.Text.Json;
using HSoftmax.Corpus;
using HSoftmax.Vectors;

namespace HSoftmax.Evaluation;

/// <summary>
/// Runs every analogy and similarity set of an evaluation folder (the bundled <c>corpora/eval</c> by default):
/// the files in its <c>analogy/</c> and <c>similarity/</c> sub-folders, in name order.
/// </summary>
public static class EvaluationSuite
{
    /// <summary>Where the bundled evaluation sets live, relative to the tool or to a source checkout.</summary>
    public const string BundledFolder = "corpora/eval";

    /// <summary>
    /// The bundled evaluation folder: <c>AppContext.BaseDirectory/corpora/eval</c> (where the tool's build copies it),
    /// else the first <c>corpora/eval</c> found walking up from the current directory (a source checkout); null if none.
    /// </summary>
    public static string? FindBundledEvalFolder()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "corpora", "eval");
        if (IsEvalFolder(beside)) return beside;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "corpora", "eval");
            if (IsEvalFolder(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsEvalFolder(string path) =>
        Directory.Exists(Path.Combine(path, "analogy")) || Directory.Exists(Path.Combine(path, "similarity"));

    /// <summary>The set files of an evaluation folder: <c>analogy/*</c> and <c>similarity/*</c>, ordinal name order, hidden files and .md files left out.</summary>
    /// <exception cref="EvaluationFileException">The folder does not exist or holds no sets.</exception>
    public static (IReadOnlyList<string> Analogy, IReadOnlyList<string> Similarity) ListSets(string folder)
    {
        if (!Directory.Exists(folder)) throw new EvaluationFileException($"{folder}: no such evaluation folder");
        static IReadOnlyList<string> Files(string dir) => !Directory.Exists(dir) ? [] :
            Directory.GetFiles(dir)
                .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
                .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
                .ToList();
        var analogy = Files(Path.Combine(folder, "analogy"));
        var similarity = Files(Path.Combine(folder, "similarity"));
        if (analogy.Count == 0 && similarity.Count == 0)
            throw new EvaluationFileException($"{folder}: no evaluation sets (expected files in analogy/ and similarity/)");
        return (analogy, similarity);
    }

    /// <summary>Runs every set of <paramref name="folder"/>.</summary>
    public static EvaluationReport Run(WordVectors vectors, string folder, AnalogyOptions? analogy = null, SimilarityOptions? similarity = null)
    {
        var (a, s) = ListSets(folder);
        return Run(vectors, a, s, analogy, similarity);
    }

    /// <summary>Runs the given analogy and similarity files.</summary>
    public static EvaluationReport Run(WordVectors vectors, IEnumerable<string> analogyFiles, IEnumerable<string> similarityFiles,
        AnalogyOptions? analogy = null, SimilarityOptions? similarity = null)
    {
        var analogyList = analogyFiles.ToList();
        var similarityList = similarityFiles.ToList();
        // Read every set first, so a bad file fails before minutes of work.
        var analogySets = analogyList.Select(AnalogySet.Load).ToList();
        var pairSets = similarityList.Select(WordPairSet.Load).ToList();
        var analogyResults = new List<AnalogyResult>();
        if (analogySets.Count > 0)
        {
            var evaluator = new AnalogyEvaluator(vectors, analogy);
            foreach (var set in analogySets) analogyResults.Add(evaluator.Evaluate(set));
        }
        var similarityResults = new List<SimilarityResult>();
        if (pairSets.Count > 0)
        {
            var evaluator = new SimilarityEvaluator(vectors, similarity);
            foreach (var set in pairSets) similarityResults.Add(evaluator.Evaluate(set));
        }
        return new EvaluationReport(analogyResults, similarityResults);
    }
}

/// <summary>The results of an evaluation run, as a table for people and as JSON for scripts.</summary>
public sealed class EvaluationReport
{
    /// <summary>A report of the given results.</summary>
    /// <param name="analogy">The analogy results, one per set.</param>
    /// <param name="similarity">The similarity results, one per set.</param>
    public EvaluationReport(IReadOnlyList<AnalogyResult> analogy, IReadOnlyList<SimilarityResult> similarity)
    {
        Analogy = analogy;
        Similarity = similarity;
    }

    /// <summary>The analogy results, one per set.</summary>
    public IReadOnlyList<AnalogyResult> Analogy { get; }

    /// <summary>The similarity results, one per set.</summary>
    public IReadOnlyList<SimilarityResult> Similarity { get; }

    /// <summary>
    /// A fixed-width table: set, items, coverage, score. Analogy scores are accuracy over the questions answered
    /// (correct/seen); similarity scores are Spearman's rho. With <paramref name="sections"/>, one line per analogy section.
    /// </summary>
    public string ToTable(bool sections = false)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        const string Format = "{0,-40} {1,7} {2,9} {3,9}  {4}";
        if (Analogy.Count > 0)
        {
            foreach (var group in Analogy.GroupBy(a => (a.Method, a.Restrict, a.CaseInsensitive, a.CountUnknownAsWrong)))
            {
                string title = $"analogy ({AnalogyOptions.MethodName(group.Key.Method)}, top {group.Key.Restrict.ToString("N0", inv)} words"
                    + (group.Key.CaseInsensitive ? "" : ", case-sensitive") + (group.Key.CountUnknownAsWrong ? ", unknown = wrong" : "") + ")";
                sb.AppendLine(string.Format(inv, Format, title, "items", "coverage", "accuracy", "correct/seen"));
                foreach (var a in group)
                {
                    sb.AppendLine(string.Format(inv, Format, "  " + a.Set, a.Total, Percent(a.Coverage), Percent(a.Accuracy), $"{a.Correct}/{a.Seen}"));
                    if (a.HasSyntacticSections)
                        foreach (var part in new[] { a.Semantic, a.Syntactic })
                            sb.AppendLine(string.Format(inv, Format, "    " + part.Name, part.Total, Percent(part.Coverage), Percent(part.Accuracy), $"{part.Correct}/{part.Seen}"));
                    if (sections)
                        foreach (var s in a.Sections)
                            sb.AppendLine(string.Format(inv, Format, "      " + s.Name, s.Total, Percent(s.Coverage), Percent(s.Accuracy), $"{s.Correct}/{s.Seen}"));
                }
            }
        }
        if (Similarity.Count > 0)
        {
            if (sb.Length > 0) sb.AppendLine();
            string restrict = string.Join(", ", Similarity.Select(s => s.Restrict).Distinct().Select(r => r.ToString("N0", inv)));
            sb.AppendLine(string.Format(inv, Format, $"similarity (top {restrict} words)", "pairs", "coverage", "spearman", "pearson"));
            foreach (var s in Similarity)
                sb.AppendLine(string.Format(inv, Format, "  " + s.Set, s.Pairs, Percent(s.Coverage), Number(s.Spearman), Number(s.Pearson)));
        }
        return sb.ToString();
    }

    private static string Percent(double x) => double.IsNaN(x) ? "-" : (100 * x).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    private static string Number(double x) => double.IsNaN(x) ? "-" : x.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>{"analogy":[{"set","method","restrict","correct","seen","total","accuracy","sections":[{"name","correct","seen","total"}]}],
    /// "similarity":[{"set","pairs","found","spearman","pearson"}]}</c>; an undefined correlation is null.
    /// </summary>
    public string ToJson(bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteStartArray("analogy");
            foreach (var a in Analogy)
            {
                w.WriteStartObject();
                w.WriteString("set", a.Set);
                w.WriteString("method", a.MethodName);
                w.WriteNumber("restrict", a.Restrict);
                w.WriteNumber("correct", a.Correct);
                w.WriteNumber("seen", a.Seen);
                w.WriteNumber("total", a.Total);
                w.WriteNumber("accuracy", a.Accuracy);
                w.WriteStartArray("sections");
                foreach (var s in a.Sections)
                {
                    w.WriteStartObject();
                    w.WriteString("name", s.Name);
                    w.WriteNumber("correct", s.Correct);
                    w.WriteNumber("seen", s.Seen);
                    w.WriteNumber("total", s.Total);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("similarity");
            foreach (var s in Similarity)
            {
                w.WriteStartObject();
                w.WriteString("set", s.Set);
                w.WriteNumber("pairs", s.Pairs);
                w.WriteNumber("found", s.Found);
                WriteNumberOrNull(w, "spearman", s.Spearman);
                WriteNumberOrNull(w, "pearson", s.Pearson);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }
}
