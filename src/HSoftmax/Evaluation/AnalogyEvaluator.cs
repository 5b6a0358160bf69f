using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using HSoftmax.Vectors;

namespace HSoftmax.Evaluation;

/// <summary>How an analogy a : b :: c : ? is answered.</summary>
public enum AnalogyMethod
{
    /// <summary>3CosAdd (Mikolov et al. 2013): argmax cos(d, b - a + c) over unit vectors; word2vec's compute-accuracy and gensim's most_similar.</summary>
    CosAdd,
    /// <summary>3CosMul (Levy and Goldberg 2014): argmax cos'(d,b) cos'(d,c) / (cos'(d,a) + 1e-6), cos' = (1 + cos) / 2; gensim's most_similar_cosmul.</summary>
    CosMul,
}

/// <summary>How <see cref="AnalogyEvaluator"/> answers and scores analogy questions; the defaults are gensim's.</summary>
public sealed record AnalogyOptions
{
    /// <summary>How a question is answered; 3CosAdd by default.</summary>
    public AnalogyMethod Method { get; init; } = AnalogyMethod.CosAdd;
    /// <summary>Only the first N rows (the most frequent words) are used, for the questions and the answers (gensim's restrict_vocab).</summary>
    public int Restrict { get; init; } = 30_000;
    /// <summary>Upper-case words (as Python does) before lookup; the first row of each upper-cased form stands for it.</summary>
    public bool CaseInsensitive { get; init; } = true;
    /// <summary>Count questions with a word outside the vocabulary as wrong instead of skipping them (gensim's dummy4unknown).</summary>
    public bool CountUnknownAsWrong { get; init; }
    /// <summary>Threads to use; null for all cores.</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    /// <summary>The method's name as reports print it: "3cosadd" or "3cosmul".</summary>
    public static string MethodName(AnalogyMethod method) => method == AnalogyMethod.CosMul ? "3cosmul" : "3cosadd";

    /// <summary>Parses "3cosadd" / "3cosmul" (also "add", "mul", "cosadd", "cosmul"), any case.</summary>
    /// <exception cref="ArgumentException">The text names no method.</exception>
    public static AnalogyMethod ParseMethod(string text) => text.Trim().ToLowerInvariant() switch
    {
        "3cosadd" or "cosadd" or "add" => AnalogyMethod.CosAdd,
        "3cosmul" or "cosmul" or "mul" => AnalogyMethod.CosMul,
        _ => throw new ArgumentException($"unknown analogy method '{text}' (use 3cosadd or 3cosmul)"),
    };
}

/// <summary>
/// Counts for one section (or a sum of sections): <see cref="Seen"/> = questions scored (gensim's correct + incorrect),
/// <see cref="Total"/> = questions in the file, <see cref="Known"/> = questions whose four words are all in the vocabulary.
/// </summary>
/// <param name="Name">The section's name, or "semantic" / "syntactic" for a sum.</param>
/// <param name="Correct">Questions answered correctly.</param>
/// <param name="Seen">Questions scored: the known ones, or all with <see cref="AnalogyOptions.CountUnknownAsWrong"/>.</param>
/// <param name="Total">Questions in the section.</param>
/// <param name="Known">Questions whose four words are all in the restricted vocabulary.</param>
public sealed record AnalogySectionResult(string Name, int Correct, int Seen, int Total, int Known)
{
    /// <summary>Correct / seen; 0 when nothing was seen (as gensim reports it).</summary>
    public double Accuracy => Seen == 0 ? 0 : (double)Correct / Seen;
    /// <summary>Known / total.</summary>
    public double Coverage => Total == 0 ? 0 : (double)Known / Total;
    /// <summary>Whether the section is syntactic (see <see cref="AnalogySection.IsSyntactic"/>).</summary>
    public bool IsSyntactic => AnalogySection.IsSyntacticName(Name);
}

/// <summary>What happened to one question.</summary>
/// <param name="Section">The index of the question's section in <see cref="AnalogySet.Sections"/>.</param>
/// <param name="Question">The question.</param>
/// <param name="Predicted">The answer given (upper-cased when case-insensitive, as gensim compares it); null when the question was not answered.</param>
/// <param name="Known">Whether all four words are in the restricted vocabulary.</param>
/// <param name="Correct">Whether <paramref name="Predicted"/> is the expected word.</param>
public sealed record AnalogyOutcome(int Section, AnalogyQuestion Question, bool Known, string? Predicted, bool Correct);

/// <summary>The result of evaluating one analogy set: per-section counts, every question's outcome, and the settings used.</summary>
public sealed class AnalogyResult
{
    /// <summary>The set's name (its file name).</summary>
    public required string Set { get; init; }
    /// <summary>How the questions were answered.</summary>
    public required AnalogyMethod Method { get; init; }
    /// <summary>The restriction asked for (the rows searched are min(restrict, vocabulary)).</summary>
    public required int Restrict { get; init; }
    /// <summary>Rows searched: min(restrict, vocabulary size).</summary>
    public required int RowsSearched { get; init; }
    /// <summary>Whether words were upper-cased before lookup.</summary>
    public required bool CaseInsensitive { get; init; }
    /// <summary>Whether questions with an unknown word counted as wrong rather than being skipped.</summary>
    public required bool CountUnknownAsWrong { get; init; }
    /// <summary>The counts for each section, in file order.</summary>
    public required IReadOnlyList<AnalogySectionResult> Sections { get; init; }
    /// <summary>Every question's outcome, in file order.</summary>
    public required IReadOnlyList<AnalogyOutcome> Outcomes { get; init; }
    /// <summary>Lines skipped because they were not four words.</summary>
    public required int InvalidLines { get; init; }

    /// <summary>Questions answered correctly, over all sections.</summary>
    public int Correct => Sections.Sum(s => s.Correct);
    /// <summary>Questions scored, over all sections (see <see cref="AnalogySectionResult"/>).</summary>
    public int Seen => Sections.Sum(s => s.Seen);
    /// <summary>Questions in the set, invalid lines not included.</summary>
    public int Total => Sections.Sum(s => s.Total);
    /// <summary>Questions whose four words are all in the restricted vocabulary.</summary>
    public int Known => Sections.Sum(s => s.Known);
    /// <summary>Questions with a word outside the restricted vocabulary.</summary>
    public int Unknown => Total - Known;
    /// <summary>Correct / seen (gensim's score); with <see cref="CountUnknownAsWrong"/> that is correct / total.</summary>
    public double Accuracy => Seen == 0 ? 0 : (double)Correct / Seen;
    /// <summary>Share of the questions whose four words are all known.</summary>
    public double Coverage => Total == 0 ? 0 : (double)Known / Total;
    /// <summary>The method's name: "3cosadd" or "3cosmul".</summary>
    public string MethodName => AnalogyOptions.MethodName(Method);
    /// <summary>The sum of the semantic sections, named "semantic".</summary>
    public AnalogySectionResult Semantic => Sum("semantic", Sections.Where(s => !s.IsSyntactic));
    /// <summary>The sum of the syntactic sections (names starting with "gram"), named "syntactic".</summary>
    public AnalogySectionResult Syntactic => Sum("syntactic", Sections.Where(s => s.IsSyntactic));
    /// <summary>Whether any section is syntactic, so a semantic/syntactic split means something.</summary>
    public bool HasSyntacticSections => Sections.Any(s => s.IsSyntactic);

    private static AnalogySectionResult Sum(string name, IEnumerable<AnalogySectionResult> sections)
    {
        int c = 0, s = 0, t = 0, k = 0;
        foreach (var x in sections) { c += x.Correct; s += x.Seen; t += x.Total; k += x.Known; }
        return new AnalogySectionResult(name, c, s, t, k);
    }
}

/// <summary>
/// Analogy accuracy as gensim 4.2's <c>evaluate_word_analogies</c> computes it (and word2vec's compute-accuracy):
/// the vocabulary is the first <see cref="AnalogyOptions.Restrict"/> rows, upper-cased when case-insensitive with the
/// first row of each form winning; a question with any word outside it is skipped (or wrong); otherwise the five
/// best rows other than the three question rows are taken, best first, and the first whose (upper-cased) word is not
/// a question word is the answer (if all five are, the fifth stands). Correct when it equals the expected word.
/// </summary>
/// <remarks>
/// All questions of a batch are scored in one pass over the restricted unit rows (see <see cref="UnitTiles"/>),
/// batches run in parallel, and a 5-entry heap per question keeps the best rows: no full sort. Equal scores
/// go to the lower row; gensim's argpartition breaks exact ties arbitrarily, and float32 rounding in a
/// different order can swap two answers closer than about 1e-7, the only sources of disagreement.
/// 3CosMul is restricted like 3CosAdd (gensim's most_similar_cosmul ignores restrict_vocab and searches every row).
/// </remarks>
public sealed unsafe class AnalogyEvaluator
{
    private const int ProbesPerBatch = 240;
    private const int TopN = 5;
    private readonly EvalVocabulary _vocabulary;
    private readonly UnitTiles _tiles;

    /// <summary>Prepares the restricted unit rows of <paramref name="vectors"/> for answering questions.</summary>
    /// <param name="vectors">The vectors to evaluate, most frequent word first.</param>
    /// <param name="options">How to answer and score; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="AnalogyOptions.Restrict"/> is below 1.</exception>
    public AnalogyEvaluator(WordVectors vectors, AnalogyOptions? options = null)
    {
        Options = options ?? new AnalogyOptions();
        _vocabulary = new EvalVocabulary(vectors, Options.Restrict, Options.CaseInsensitive);
        _tiles = new UnitTiles(vectors, _vocabulary.Rows);
    }

    /// <summary>The options in use.</summary>
    public AnalogyOptions Options { get; }
    /// <summary>Rows searched: min(restrict, vocabulary size).</summary>
    public int RowsSearched => _vocabulary.Rows;

    /// <summary>Loads the analogy set at <paramref name="path"/> (see <see cref="AnalogySet.Load"/>) and evaluates <paramref name="vectors"/> on it.</summary>
    /// <exception cref="EvaluationFileException">The set cannot be read or holds no questions.</exception>
    public static AnalogyResult Evaluate(WordVectors vectors, string path, AnalogyOptions? options = null) =>
        new AnalogyEvaluator(vectors, options).Evaluate(AnalogySet.Load(path));

    /// <summary>Loads the analogy set at <paramref name="path"/> (see <see cref="AnalogySet.Load"/>) and evaluates it.</summary>
    /// <exception cref="EvaluationFileException">The set cannot be read or holds no questions.</exception>
    public AnalogyResult Evaluate(string path) => Evaluate(AnalogySet.Load(path));

    /// <summary>Answers every question of <paramref name="set"/> and counts the results per section.</summary>
    public AnalogyResult Evaluate(AnalogySet set)
    {
        // Questions to answer, as rows; the rest are unknown.
        var all = new List<(int Section, AnalogyQuestion Q, string[] Keys, int A, int B, int C, int D)>();
        for (int s = 0; s < set.Sections.Count; s++)
            foreach (var q in set.Sections[s].Questions)
            {
                string[] keys = [_vocabulary.Key(q.A), _vocabulary.Key(q.B), _vocabulary.Key(q.C), _vocabulary.Key(q.Expected)];
                all.Add((s, q, keys, _vocabulary.RowOfKey(keys[0]), _vocabulary.RowOfKey(keys[1]), _vocabulary.RowOfKey(keys[2]), _vocabulary.RowOfKey(keys[3])));
            }
        var known = new List<int>();
        for (int i = 0; i < all.Count; i++)
            if (all[i].A >= 0 && all[i].B >= 0 && all[i].C >= 0 && all[i].D >= 0) known.Add(i);

        var queries = known.Select(i => (all[i].A, all[i].B, all[i].C)).ToArray();
        var best = Rank(queries, TopN);

        var outcomes = new AnalogyOutcome[all.Count];
        var correct = new int[set.Sections.Count];
        var seen = new int[set.Sections.Count];
        var total = new int[set.Sections.Count];
        var knownCount = new int[set.Sections.Count];
        foreach (var item in all) total[item.Section]++;
        for (int i = 0; i < all.Count; i++)
        {
            var item = all[i];
            outcomes[i] = new AnalogyOutcome(item.Section, item.Q, false, null, false);
            if (Options.CountUnknownAsWrong) seen[item.Section]++;
        }
        for (int k = 0; k < known.Count; k++)
        {
            var item = all[known[k]];
            string? predicted = null;
            foreach (var (row, _) in best[k])
            {
                predicted = _vocabulary.Keys[row];
                if (predicted != item.Keys[0] && predicted != item.Keys[1] && predicted != item.Keys[2]) break;
            }
            bool ok = predicted == item.Keys[3];
            outcomes[known[k]] = new AnalogyOutcome(item.Section, item.Q, true, predicted, ok);
            if (!Options.CountUnknownAsWrong) seen[item.Section]++;
            knownCount[item.Section]++;
            if (ok) correct[item.Section]++;
        }
        var sections = new AnalogySectionResult[set.Sections.Count];
        for (int s = 0; s < sections.Length; s++)
            sections[s] = new AnalogySectionResult(set.Sections[s].Name, correct[s], seen[s], total[s], knownCount[s]);
        return new AnalogyResult
        {
            Set = set.Name,
            Method = Options.Method,
            Restrict = Options.Restrict,
            RowsSearched = RowsSearched,
            CaseInsensitive = Options.CaseInsensitive,
            CountUnknownAsWrong = Options.CountUnknownAsWrong,
            Sections = sections,
            Outcomes = outcomes,
            InvalidLines = set.InvalidLines,
        };
    }

    /// <summary>
    /// The <paramref name="k"/> best answers to a : b :: c : ? (b - a + c), best first, leaving out a, b and c
    /// (and, when case-insensitive, other case forms of them). Scores are cosines for 3CosAdd and the 3CosMul objective.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A word is not among the rows searched.</exception>
    public IReadOnlyList<(string Word, float Score)> Solve(string a, string b, string c, int k = 10)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be at least 1");
        string[] keys = [_vocabulary.Key(a), _vocabulary.Key(b), _vocabulary.Key(c)];
        int[] rows = new int[3];
        string[] words = [a, b, c];
        for (int i = 0; i < 3; i++)
        {
            rows[i] = _vocabulary.RowOfKey(keys[i]);
            if (rows[i] < 0)
                throw new KeyNotFoundException($"'{words[i]}' is not among the {RowsSearched} words searched");
        }
        var best = Rank([(rows[0], rows[1], rows[2])], Math.Min(k + 16, Math.Max(1, RowsSearched)))[0];
        var result = new List<(string, float)>(k);
        foreach (var (row, score) in best)
        {
            string key = _vocabulary.Keys[row];
            if (key == keys[0] || key == keys[1] || key == keys[2]) continue;
            result.Add((_vocabulary.Vectors.GetWord(row), score));
            if (result.Count == k) break;
        }
        return result;
    }

    /// <summary>For each (a, b, c), the <paramref name="k"/> best rows other than a, b and c, best first.</summary>
    private (int Row, float Score)[][] Rank((int A, int B, int C)[] queries, int k)
    {
        var result = new (int, float)[queries.Length][];
        if (queries.Length == 0 || _tiles.Rows == 0)
        {
            for (int i = 0; i < result.Length; i++) result[i] = [];
            return result;
        }
        int perQuestion = Options.Method == AnalogyMethod.CosMul ? 3 : 1;
        int batch = Math.Max(1, ProbesPerBatch / perQuestion);
        int batches = (queries.Length + batch - 1) / batch;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.MaxDegreeOfParallelism ?? Environment.ProcessorCount };
        Parallel.For(0, batches, parallel, b =>
        {
            int start = b * batch, count = Math.Min(batch, queries.Length - start);
            var heaps = RankBatch(queries.AsSpan(start, count), k);
            for (int i = 0; i < count; i++) result[start + i] = heaps[i].Sorted();
        });
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private TopK[] RankBatch(ReadOnlySpan<(int A, int B, int C)> queries, int k)
    {
        int dim = _tiles.Dim;
        bool mul = Options.Method == AnalogyMethod.CosMul;
        int probes = queries.Length * (mul ? 3 : 1);
        int padded = (probes + 7) & ~7;
        var probe = new float[padded * dim];
        var ua = new float[dim];
        var ub = new float[dim];
        var uc = new float[dim];
        for (int q = 0; q < queries.Length; q++)
        {
            _tiles.CopyUnitRow(queries[q].A, ua);
            _tiles.CopyUnitRow(queries[q].B, ub);
            _tiles.CopyUnitRow(queries[q].C, uc);
            if (mul)
            {
                ua.CopyTo(probe, (3 * q) * dim);
                ub.CopyTo(probe, (3 * q + 1) * dim);
                uc.CopyTo(probe, (3 * q + 2) * dim);
                continue;
            }
            // gensim: mean of (b, c, -a) over unit vectors, in float32, then unit length.
            var mean = probe.AsSpan(q * dim, dim);
            double sum = 0;
            for (int d = 0; d < dim; d++)
            {
                float m = ub[d] + uc[d];
                m += -ua[d];
                m /= 3f;
                mean[d] = m;
                sum += (double)m * m;
            }
            if (sum > 0)
            {
                float norm = (float)Math.Sqrt(sum);
                for (int d = 0; d < dim; d++) mean[d] /= norm;
            }
        }

        var heaps = new TopK[queries.Length];
        for (int i = 0; i < heaps.Length; i++) heaps[i] = new TopK(k);
        var interleaved = _tiles.Interleave(probe, padded);
        var scores = new float[padded * 32];
        fixed (float* p = interleaved, s = scores)
        {
            for (int tile = 0; tile < _tiles.Tiles; tile += 2)
            {
                bool pair = tile + 1 < _tiles.Tiles;
                _tiles.Score(tile, pair ? tile + 1 : tile, p, padded, s);
                int row0 = tile * UnitTiles.Lanes;
                int lanes = pair ? 32 : 16;
                for (int q = 0; q < queries.Length; q++)
                {
                    if (mul) OfferCosMul(ref heaps[q], s + 3 * q * 32, row0, lanes, queries[q]);
                    else Offer(ref heaps[q], s + q * 32, row0, lanes, queries[q]);
                }
            }
        }
        return heaps;
    }

    /// <summary>Offers <paramref name="lanes"/> (16 or 32) consecutive rows' scores to the heap; a vector compare skips the rows below its threshold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Offer(ref TopK heap, float* scores, int row0, int lanes, (int A, int B, int C) q)
    {
        for (int h = 0; h < lanes; h += 16)
        {
            var threshold = Vector256.Create(heap.Threshold);
            uint mask = Vector256.GreaterThan(Vector256.Load(scores + h), threshold).ExtractMostSignificantBits()
                | (Vector256.GreaterThan(Vector256.Load(scores + h + 8), threshold).ExtractMostSignificantBits() << 8);
            while (mask != 0)
            {
                int lane = h + System.Numerics.BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
                int row = row0 + lane;
                float score = scores[lane];
                if (score > heap.Threshold && row != q.A && row != q.B && row != q.C) heap.Add(row, score);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OfferCosMul(ref TopK heap, float* scores, int row0, int lanes, (int A, int B, int C) q)
    {
        // gensim: ((1 + cos_b) / 2) * ((1 + cos_c) / 2) / ((1 + cos_a) / 2 + 1e-6), in float32.
        float* combined = stackalloc float[32];
        var one = Vector256.Create(1f);
        var half = Vector256.Create(0.5f);
        var eps = Vector256.Create(1e-6f);
        for (int h = 0; h < lanes; h += 8)
        {
            var a = Vector256.Load(scores + h);
            var b = Vector256.Load(scores + 32 + h);
            var c = Vector256.Load(scores + 64 + h);
            var value = ((one + b) * half) * ((one + c) * half) / ((one + a) * half + eps);
            value.Store(combined + h);
        }
        Offer(ref heap, combined, row0, lanes, q);
    }
}
