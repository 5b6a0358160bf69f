using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HSoftmax.Cli.AddOns;
using HSoftmax.Corpus;
using HSoftmax.Evaluation;
using HSoftmax.Vectors;

namespace HSoftmax.Cli;

/// <summary>What <c>hsoftmax eval</c> does, apart from parsing (so it can be run in-process).</summary>
internal sealed record EvalSettings
{
    public required string Vectors { get; init; }
    /// <summary>Analogy files to run; with no files of either kind, every set of <see cref="SetsFolder"/> runs.</summary>
    public IReadOnlyList<string> AnalogyFiles { get; init; } = [];
    public IReadOnlyList<string> SimilarityFiles { get; init; } = [];
    /// <summary>Evaluation folder (analogy/ and similarity/ sub-folders); null for the bundled one.</summary>
    public string? SetsFolder { get; init; }
    public AnalogyOptions Analogy { get; init; } = new();
    public SimilarityOptions Similarity { get; init; } = new();
    public bool Json { get; init; }
    public bool Sections { get; init; }
    /// <summary>A PNG to draw the scores in, or null.</summary>
    public string? Plot { get; init; }
    /// <summary>Read at most this many vectors.</summary>
    public int? Limit { get; init; }
    public bool StrictUtf8 { get; init; }
}

/// <summary><c>hsoftmax eval</c>, <c>hsoftmax nearest</c> and <c>hsoftmax analogy</c>.</summary>
internal static class EvalCommands
{
    /// <summary><c>hsoftmax eval VECTORS</c>: every bundled analogy and similarity set, or the files given.</summary>
    public static Command Eval()
    {
        var vectors = VectorsArgument();
        var analogy = new Option<string[]>("--analogy") { Description = "Analogy file to run (questions-words layout or .csv); repeatable. Default: every bundled set." };
        var similarity = new Option<string[]>("--similarity") { Description = "Word-similarity file to run (word1 TAB word2 TAB score); repeatable. Default: every bundled set." };
        var sets = new Option<string?>("--sets") { Description = "Evaluation folder holding analogy/ and similarity/ (default: the bundled corpora/eval)." };
        var restrict = new Option<int>("--restrict") { Description = "Analogies: use only the N most frequent words (word2vec's and the usual report's 30,000).", DefaultValueFactory = _ => 30_000 };
        var simRestrict = new Option<int>("--similarity-restrict") { Description = "Similarity: use only the N most frequent words (gensim's default).", DefaultValueFactory = _ => 300_000 };
        var method = MethodOption();
        var caseSensitive = new Option<bool>("--case-sensitive") { Description = "Match words exactly instead of upper-casing both sides." };
        var dummy = new Option<bool>("--dummy4unknown") { Description = "Count analogy questions with unknown words as wrong, and score unknown pairs 0 (gensim's dummy4unknown), instead of skipping them." };
        var sections = new Option<bool>("--sections") { Description = "Show every analogy section." };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var plot = Pictures.PlotOption("each set's score and each analogy section's accuracy");
        var limit = LimitOption();
        var strict = StrictUtf8Option();

        var command = new Command("eval", "Evaluate word vectors on analogy (accuracy) and word-similarity (Spearman) sets, as word2vec's compute-accuracy and gensim do.");
        command.Arguments.Add(vectors);
        foreach (Option o in new Option[] { analogy, similarity, sets, restrict, simRestrict, method, caseSensitive, dummy, sections, json, plot, limit, strict })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            var io = parse.InvocationConfiguration;
            return Guard(io.Error, () =>
            {
                bool caseInsensitive = !parse.GetValue(caseSensitive);
                var settings = new EvalSettings
                {
                    Vectors = parse.GetValue(vectors)!,
                    AnalogyFiles = parse.GetValue(analogy) ?? [],
                    SimilarityFiles = parse.GetValue(similarity) ?? [],
                    SetsFolder = parse.GetValue(sets),
                    Analogy = new AnalogyOptions
                    {
                        Method = AnalogyOptions.ParseMethod(parse.GetValue(method)!),
                        Restrict = Positive(parse.GetValue(restrict), "--restrict"),
                        CaseInsensitive = caseInsensitive,
                        CountUnknownAsWrong = parse.GetValue(dummy),
                    },
                    Similarity = new SimilarityOptions
                    {
                        Restrict = Positive(parse.GetValue(simRestrict), "--similarity-restrict"),
                        CaseInsensitive = caseInsensitive,
                        CountUnknownAsZero = parse.GetValue(dummy),
                    },
                    Json = parse.GetValue(json),
                    Sections = parse.GetValue(sections),
                    Plot = parse.GetValue(plot),
                    Limit = parse.GetValue(limit),
                    StrictUtf8 = parse.GetValue(strict),
                };
                return RunEval(settings, io.Output, io.Error);
            });
        });
        return command;
    }

    /// <summary><c>hsoftmax nearest VECTORS WORD...</c>: the k most similar words to each word.</summary>
    public static Command Nearest()
    {
        var vectors = VectorsArgument();
        var words = new Argument<string[]>("words") { Description = "Word(s) to look up (exact match first, then case-insensitive).", Arity = ArgumentArity.OneOrMore };
        var k = TopOption();
        var restrict = new Option<int?>("--restrict") { Description = "Search only the N most frequent words (default: all)." };
        var limit = LimitOption();
        var strict = StrictUtf8Option();
        var command = new Command("nearest", "Show the nearest neighbours (cosine similarity) of words.");
        command.Arguments.Add(vectors);
        command.Arguments.Add(words);
        foreach (Option o in new Option[] { k, restrict, limit, strict }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var io = parse.InvocationConfiguration;
            return Guard(io.Error, () => RunNearest(parse.GetValue(vectors)!, parse.GetValue(words) ?? [], Positive(parse.GetValue(k), "-k"),
                parse.GetValue(restrict) is int r ? Positive(r, "--restrict") : null, parse.GetValue(limit), parse.GetValue(strict), io.Output, io.Error));
        });
        return command;
    }

    /// <summary><c>hsoftmax similarity VECTORS A B</c>: the cosine similarity of two words, as gensim's <c>similarity</c>.</summary>
    public static Command Similarity()
    {
        var vectors = VectorsArgument();
        var a = new Argument<string>("a") { Description = "The first word." };
        var b = new Argument<string>("b") { Description = "The second word." };
        var limit = LimitOption();
        var strict = StrictUtf8Option();
        var command = new Command("similarity", "Show the cosine similarity of two words (gensim's similarity).");
        foreach (var argument in new Argument[] { vectors, a, b }) command.Arguments.Add(argument);
        foreach (Option o in new Option[] { limit, strict }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var io = parse.InvocationConfiguration;
            return Guard(io.Error, () =>
            {
                var words = Load(parse.GetValue(vectors)!, parse.GetValue(limit), parse.GetValue(strict), io.Error);
                // Exact keys, as gensim: a word that is not in the file is an error, not a near spelling.
                string first = parse.GetValue(a)!, second = parse.GetValue(b)!;
                foreach (string word in new[] { first, second })
                    if (words.IndexOf(word) < 0) throw new InputFileException($"'{word}' is not in the vocabulary");
                io.Output.WriteLine(words.Similarity(first, second).ToString("F6", CultureInfo.InvariantCulture));
                return 0;
            });
        });
        return command;
    }

    /// <summary><c>hsoftmax most-similar VECTORS --positive A B --negative C</c>: gensim's most_similar, its words and scores.</summary>
    public static Command MostSimilar()
    {
        var vectors = VectorsArgument();
        var positive = new Option<string[]>("--positive", "-p") { Description = "Words whose unit vectors are added (exact keys, as gensim's).", AllowMultipleArgumentsPerToken = true };
        var negative = new Option<string[]>("--negative", "-n") { Description = "Words whose unit vectors are subtracted.", AllowMultipleArgumentsPerToken = true };
        var k = new Option<int>("--topn", "-k", "--top") { Description = "How many words to show.", DefaultValueFactory = _ => 10 };
        var restrict = new Option<int?>("--restrict") { Description = "Search only the N most frequent words (gensim's restrict_vocab; default: all)." };
        var limit = LimitOption();
        var strict = StrictUtf8Option();
        var command = new Command("most-similar", "Show the words nearest to the mean of the positive words' unit vectors minus the negative ones' (gensim's most_similar).");
        command.Arguments.Add(vectors);
        foreach (Option o in new Option[] { positive, negative, k, restrict, limit, strict }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var io = parse.InvocationConfiguration;
            return Guard(io.Error, () =>
            {
                string[] plus = parse.GetValue(positive) ?? [], minus = parse.GetValue(negative) ?? [];
                if (plus.Length + minus.Length == 0) throw new ArgumentException("most-similar: give words with --positive and/or --negative");
                int top = Positive(parse.GetValue(k), "--topn");
                int r = parse.GetValue(restrict) is int given ? Positive(given, "--restrict") : int.MaxValue;
                var words = Load(parse.GetValue(vectors)!, parse.GetValue(limit), parse.GetValue(strict), io.Error);
                WriteRanked(io.Output, words.MostSimilar(plus, minus, top, r));
                return 0;
            });
        });
        return command;
    }

    /// <summary><c>hsoftmax doesnt-match VECTORS W1 W2 ...</c>: the word that fits least (gensim's doesnt_match).</summary>
    public static Command DoesntMatch()
    {
        var vectors = VectorsArgument();
        var words = new Argument<string[]>("words") { Description = "The words (exact keys; words not in the vocabulary are left out, as gensim does).", Arity = ArgumentArity.OneOrMore };
        var limit = LimitOption();
        var strict = StrictUtf8Option();
        var command = new Command("doesnt-match", "Show which of the words is least similar to the mean of them all (gensim's doesnt_match).");
        command.Arguments.Add(vectors);
        command.Arguments.Add(words);
        foreach (Option o in new Option[] { limit, strict }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var io = parse.InvocationConfiguration;
            return Guard(io.Error, () =>
            {
                var loaded = Load(parse.GetValue(vectors)!, parse.GetValue(limit), parse.GetValue(strict), io.Error);
                string[] given = parse.GetValue(words) ?? [];
                var unknown = given.Where(w => loaded.IndexOf(w) < 0).ToList();
                if (unknown.Count > 0) io.Error.WriteLine($"hsoftmax: not in the vocabulary, left out: {string.Join(' ', unknown)}");
                io.Output.WriteLine(loaded.DoesntMatch(given));
                return 0;
            });
        });
        return command;
    }

    /// <summary><c>hsoftmax analogy VECTORS A B C</c>: the k best answers to "A is to B as C is to ?" (B - A + C).</summary>
    public static Command Analogy()
    {
        var vectors = VectorsArgument();
        var a = new Argument<string>("a") { Description = "A in 'A is to B as C is to ?' (subtracted)." };
        var b = new Argument<string>("b") { Description = "B (added)." };
        var c = new Argument<string>("c") { Description = "C (added)." };
        var k = TopOption();
        var method = MethodOption();
        var restrict = new Option<int?>("--restrict") { Description = "Use only the N most frequent words (default: all)." };
        var caseSensitive = new Option<bool>("--case-sensitive") { Description = "Match words exactly instead of upper-casing both sides." };
        var limit = LimitOption();
        var strict = StrictUtf8Option();
        var command = new Command("analogy", "Answer 'A is to B as C is to ?' with the words nearest to B - A + C (e.g. man king woman -> queen).");
        foreach (var argument in new Argument[] { vectors, a, b, c }) command.Arguments.Add(argument);
        foreach (Option o in new Option[] { k, method, restrict, caseSensitive, limit, strict }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var io = parse.InvocationConfiguration;
            return Guard(io.Error, () =>
            {
                var options = new AnalogyOptions
                {
                    Method = AnalogyOptions.ParseMethod(parse.GetValue(method)!),
                    Restrict = parse.GetValue(restrict) is int r ? Positive(r, "--restrict") : int.MaxValue,
                    CaseInsensitive = !parse.GetValue(caseSensitive),
                };
                return RunAnalogy(parse.GetValue(vectors)!, parse.GetValue(a)!, parse.GetValue(b)!, parse.GetValue(c)!, Positive(parse.GetValue(k), "-k"),
                    options, parse.GetValue(limit), parse.GetValue(strict), io.Output, io.Error);
            });
        });
        return command;
    }

    public static int RunEval(EvalSettings settings, TextWriter stdout, TextWriter stderr) => Guard(stderr, () =>
    {
        IReadOnlyList<string> analogyFiles = settings.AnalogyFiles, similarityFiles = settings.SimilarityFiles;
        if (analogyFiles.Count == 0 && similarityFiles.Count == 0)
        {
            string folder = settings.SetsFolder ?? EvaluationSuite.FindBundledEvalFolder()
                ?? throw new InputFileException($"the bundled evaluation sets ({EvaluationSuite.BundledFolder}) were not found; give --analogy/--similarity files or --sets");
            (analogyFiles, similarityFiles) = EvaluationSuite.ListSets(folder);
        }
        foreach (string file in analogyFiles.Concat(similarityFiles))
            if (!File.Exists(file)) throw new InputFileException($"{file}: no such file");
        IPlotAddOn? plots = null;
        if (settings.Plot is string plotPath)
        {
            OutputPaths.Check([("--plot", plotPath)], [settings.Vectors, .. analogyFiles, .. similarityFiles], [settings.Vectors, .. analogyFiles, .. similarityFiles]);
            plots = Pictures.Prepare(plotPath, "--plot");
        }

        // Only the first max(restrict) rows take part, so reading stops there (as gensim's restrict_vocab would ignore the rest).
        int needed = Math.Max(analogyFiles.Count > 0 ? settings.Analogy.Restrict : 0, similarityFiles.Count > 0 ? settings.Similarity.Restrict : 0);
        int limit = settings.Limit is int l ? Math.Min(l, needed) : needed;
        var clock = Stopwatch.StartNew();
        var vectors = Load(settings.Vectors, limit, settings.StrictUtf8, stderr);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var report = EvaluationSuite.Run(vectors, analogyFiles, similarityFiles, settings.Analogy, settings.Similarity);
        double evalSeconds = clock.Elapsed.TotalSeconds;
        // gensim skips such lines with a log line; a score over fewer questions than the file holds must say so.
        foreach (var (set, invalid) in report.Analogy.Select(a => (a.Set, a.InvalidLines)).Concat(report.Similarity.Select(r => (r.Set, r.InvalidLines))))
            if (invalid > 0)
                stderr.WriteLine($"hsoftmax: warning: {set}: {invalid:N0} malformed line(s) skipped, as gensim skips them");
        if (settings.Json)
            stdout.WriteLine(report.ToJson());
        else
        {
            stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0}: {1:N0} words x {2} dims read in {3:F1} s; evaluated in {4:F2} s",
                settings.Vectors, vectors.Count, vectors.Dim, loadSeconds, evalSeconds));
            stdout.WriteLine();
            stdout.Write(report.ToTable(settings.Sections));
        }
        // After the scores are out: a picture that fails loses nothing else.
        if (plots is not null)
        {
            Pictures.Scores(plots, report, $"{Path.GetFileName(settings.Vectors)}: {vectors.Count:N0} words x {vectors.Dim}", settings.Plot!);
            stderr.WriteLine($"hsoftmax: drew {Path.GetFullPath(settings.Plot!)}");
        }
        return 0;
    });

    public static int RunNearest(string vectorsPath, IReadOnlyList<string> words, int k, int? restrict, int? limit, bool strictUtf8,
        TextWriter stdout, TextWriter stderr) => Guard(stderr, () =>
    {
        if (words.Count == 0) throw new ArgumentException("give at least one word");
        var vectors = Load(vectorsPath, limit, strictUtf8, stderr);
        int status = 0;
        foreach (string word in words)
        {
            int row = vectors.IndexOf(word, ignoreCase: true);
            if (row < 0)
            {
                stderr.WriteLine($"hsoftmax: '{word}' is not in the vocabulary");
                status = 1;
                continue;
            }
            var near = vectors.Nearest(vectors.GetVector(row), k, [row], restrict ?? int.MaxValue);
            stdout.WriteLine($"{vectors.GetWord(row)} (rank {row + 1}):");
            WriteRanked(stdout, near);
        }
        return status;
    });

    public static int RunAnalogy(string vectorsPath, string a, string b, string c, int k, AnalogyOptions options, int? limit, bool strictUtf8,
        TextWriter stdout, TextWriter stderr) => Guard(stderr, () =>
    {
        int read = limit is int l ? Math.Min(l, options.Restrict) : options.Restrict;
        var vectors = Load(vectorsPath, read, strictUtf8, stderr);
        var evaluator = new AnalogyEvaluator(vectors, options);
        var answers = evaluator.Solve(a, b, c, k);
        stdout.WriteLine($"{b} - {a} + {c} ({AnalogyOptions.MethodName(options.Method)}, {evaluator.RowsSearched:N0} words):");
        WriteRanked(stdout, answers);
        return 0;
    });

    private static void WriteRanked(TextWriter stdout, IReadOnlyList<(string Word, float Score)> items)
    {
        int width = items.Count == 0 ? 0 : items.Max(i => i.Word.Length);
        for (int i = 0; i < items.Count; i++)
            stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, "  {0,3}  {1}  {2:F4}", i + 1, items[i].Word.PadRight(width), items[i].Score));
    }

    internal static WordVectors Load(string path, int? limit, bool strictUtf8, TextWriter stderr)
    {
        if (Directory.Exists(path)) throw new InputFileException($"{path}: is a folder, not a vectors file");
        if (!File.Exists(path)) throw new InputFileException($"{path}: no such file");
        return Word2VecFile.Load(path, new VectorReadOptions
        {
            Limit = limit == int.MaxValue ? null : limit,
            ReplaceInvalidUtf8 = !strictUtf8,
            Warning = message => stderr.WriteLine($"hsoftmax: warning: {message}"),
        });
    }

    /// <summary>Runs <paramref name="body"/>; bad input becomes one 'hsoftmax: message' line and exit code 1 (2 for a bad option value).</summary>
    internal static int Guard(TextWriter stderr, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is InputFileException or IOException or UnauthorizedAccessException or KeyNotFoundException
                                      or InvalidDataException or OutOfMemoryException or AddOnMissingException or PictureException)
        {
            stderr.WriteLine($"hsoftmax: {OneLine(e.Message)}");
            return 1;
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"hsoftmax: {OneLine(e.Message)}");
            return 2;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    internal static int Positive(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option}: must be at least 1, got {value}");

    internal static Argument<string> VectorsArgument() => new("vectors") { Description = "Vectors file in word2vec text or binary format (fastText .vec, GloVe without header, gzip all accepted)." };

    private static Option<string> MethodOption()
    {
        var option = new Option<string>("--method") { Description = "Analogy method: 3CosAdd (vector offset) or 3CosMul (Levy and Goldberg 2014).", DefaultValueFactory = _ => "3cosadd" };
        option.AcceptOnlyFromAmong("3cosadd", "3cosmul");
        return option;
    }

    private static Option<int> TopOption() => new("-k", "--top") { Description = "How many words to show.", DefaultValueFactory = _ => 10 };

    internal static Option<int?> LimitOption() => new("--limit") { Description = "Read only the first N vectors of the file." };

    internal static Option<bool> StrictUtf8Option() => new("--strict-utf8") { Description = "Fail on invalid UTF-8 in words instead of replacing it with U+FFFD." };
}
