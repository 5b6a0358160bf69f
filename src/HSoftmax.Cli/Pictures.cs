using System.CommandLine;
using HSoftmax.Cli.AddOns;
using HSoftmax.Corpus;
using HSoftmax.Evaluation;
using HSoftmax.Training;
using HSoftmax.Vectors;

namespace HSoftmax.Cli;

/// <summary>A picture could not be drawn: the message is one line naming the option.</summary>
internal sealed class PictureException(string message) : Exception(message);

/// <summary>
/// What the tool draws (<c>train --plot</c>, <c>eval --plot</c>, <c>map</c>): the numbers are chosen here,
/// the drawing is the plots add-on's.
/// </summary>
internal static class Pictures
{
    public static Option<string?> PlotOption(string what) => new("--plot") { Description = $"Also draw {what} as a PNG picture (the plots add-on)." };

    /// <summary>
    /// Checks a picture's path, loads the add-on and has it draw once in memory, before any work is done:
    /// a platform where the drawing library cannot run is said at once, not after hours of training.
    /// </summary>
    public static IPlotAddOn Prepare(string path, string option)
    {
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{option}: pictures are PNG; give a file name ending in .png, got '{path}'");
        var plots = AddOn.Plots.Load<IPlotAddOn>();
        Draw(option, plots.Check);
        return plots;
    }

    /// <summary>The training curve from the progress reports, and each epoch's final loss.</summary>
    public static void Training(IPlotAddOn plots, IReadOnlyList<TrainingProgress> progress, TrainingResult result, string title, string path)
    {
        // The engines report words done over the whole run; as epochs it reads the same for every corpus size.
        var curve = progress.Select(p => new TrainingPoint(p.Fraction * p.Epochs, p.EpochLoss, p.WordsPerSecond)).ToList();
        var epochs = result.Epochs.Select(e => new TrainingPoint(e.Epoch, e.Loss, e.WordsPerSecond)).ToList();
        Write(path, Draw("--plot", () => plots.Training(curve, epochs, title)));
    }

    /// <summary>Each set's score, then each analogy section's accuracy (named with its set when there are several).</summary>
    public static void Scores(IPlotAddOn plots, EvaluationReport report, string title, string path)
    {
        static string Name(string set) => Path.GetFileNameWithoutExtension(set);
        var sets = report.Analogy.Select(a => new ScoreBar(Name(a.Set), a.Accuracy))
            .Concat(report.Similarity.Select(s => new ScoreBar(Name(s.Set), s.Spearman))).ToList();
        bool several = report.Analogy.Count > 1;
        var sections = report.Analogy.SelectMany(a => a.Sections.Select(s => new ScoreBar(several ? $"{Name(a.Set)}: {s.Name}" : s.Name, s.Accuracy))).ToList();
        Write(path, Draw("--plot", () => plots.Scores(sets, sections, title)));
    }

    /// <summary>Runs the add-on: whatever it throws (a native library, a font, ScottPlot itself) becomes one line.</summary>
    private static T Draw<T>(string option, Func<T> draw)
    {
        try { return draw(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var inner = e is TypeInitializationException { InnerException: { } cause } ? cause.GetBaseException() : e;
            throw new PictureException($"{option}: the plots add-on could not draw ({inner.GetType().Name}: {inner.Message.Split('\n')[0]})");
        }
    }

    private static void Draw(string option, Action draw) => Draw(option, () => { draw(); return 0; });

    /// <summary>Writes a picture as the vectors are written: all of it or nothing, an existing file intact until then.</summary>
    private static void Write(string path, byte[] png) => AtomicFile.Write(path, stream => stream.Write(png));

    /// <summary><c>hsoftmax map VECTORS WORD... --out FILE.png</c>: the words' vectors projected on their first two principal components.</summary>
    public static Command MapCommand()
    {
        var vectors = EvalCommands.VectorsArgument();
        var words = new Argument<string[]>("words") { Description = "Words to place (at least 3; exact match first, then case-insensitive).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out", "-o") { Description = "The PNG to write.", Required = true };
        var limit = EvalCommands.LimitOption();
        var strict = EvalCommands.StrictUtf8Option();
        var command = new Command("map", "Draw words on a plane: a 2-D PCA projection of their unit vectors, labelled (the plots add-on).");
        command.Arguments.Add(vectors);
        command.Arguments.Add(words);
        foreach (Option o in new Option[] { output, limit, strict }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var io = parse.InvocationConfiguration;
            return EvalCommands.Guard(io.Error, () =>
            {
                string path = parse.GetValue(output)!;
                string[] given = parse.GetValue(words) ?? [];
                if (given.Length < 3) throw new ArgumentException($"map: give at least 3 words, got {given.Length}");
                OutputPaths.Check([("--out", path)], [parse.GetValue(vectors)!], [parse.GetValue(vectors)!]);
                var plots = Prepare(path, "--out");
                var loaded = EvalCommands.Load(parse.GetValue(vectors)!, parse.GetValue(limit), parse.GetValue(strict), io.Error);
                // Words that name the same row (he, He) are one point.
                var rows = given.Select(w => loaded.IndexOf(w, ignoreCase: true) is int row and >= 0 ? row
                    : throw new KeyNotFoundException($"'{w}' is not in the vocabulary")).Distinct().ToArray();
                if (rows.Length < 3) throw new ArgumentException($"map: give at least 3 different words; these are {rows.Length} in the vectors");
                foreach (int row in rows)
                    foreach (float x in loaded.GetVector(row))
                        if (!float.IsFinite(x)) throw new InvalidDataException($"map: the vector of '{loaded.GetWord(row)}' holds a value that is not a number");
                var points = Project(rows.Select(row => loaded.GetVector(row).ToArray()).ToArray());
                Write(path, Draw("--out", () => plots.Map(rows.Select((row, i) => (loaded.GetWord(row), points[i].X, points[i].Y)).ToList(),
                    $"{Path.GetFileName(parse.GetValue(vectors))}: {rows.Length} words, PCA of unit vectors")));
                io.Output.WriteLine($"Wrote {Path.GetFullPath(path)}");
                return 0;
            });
        });
        return command;
    }

    /// <summary>
    /// The points' coordinates on the first two principal components of their unit vectors (centred), by
    /// power iteration with deflation: a few words by a few hundred dimensions needs no linear-algebra package.
    /// </summary>
    internal static (double X, double Y)[] Project(IReadOnlyList<float[]> vectors)
    {
        int n = vectors.Count, dim = vectors[0].Length;
        var data = new double[n][];
        for (int i = 0; i < n; i++)
        {
            var v = vectors[i];
            double norm = 0;
            foreach (float x in v) norm += (double)x * x;
            norm = Math.Sqrt(norm);
            data[i] = new double[dim];
            for (int d = 0; d < dim; d++) data[i][d] = norm > 0 ? v[d] / norm : 0;
        }
        for (int d = 0; d < dim; d++)
        {
            double mean = data.Average(row => row[d]);
            foreach (var row in data) row[d] -= mean;
        }
        // An axis whose variance is rounding noise (identical or collinear points) is no axis: its coordinate is 0.
        double total = data.Sum(row => Dot(row, row));
        var first = PrincipalAxis(data, null, total);
        var second = first is null ? null : PrincipalAxis(data, first, total);
        return data.Select(row => (first is null ? 0 : Dot(row, first), second is null ? 0 : Dot(row, second))).ToArray();
    }

    /// <summary>The unit axis of largest variance (orthogonal to another), or null if its variance is below 1e-12 of the total.</summary>
    private static double[]? PrincipalAxis(double[][] data, double[]? orthogonalTo, double total)
    {
        // Unit vectors that differ by rounding alone (centring leaves about 1e-17) have no axis at all.
        if (total <= 1e-18 * data.Length) return null;
        int dim = data[0].Length;
        // A fixed, non-degenerate unit start, so that a map is the same every time it is drawn.
        var axis = Enumerable.Range(0, dim).Select(d => 1.0 + d % 7 * 0.1).ToArray();
        double start = Math.Sqrt(Dot(axis, axis));
        for (int d = 0; d < dim; d++) axis[d] /= start;
        for (int iteration = 0; iteration < 500; iteration++)
        {
            // axis <- X^T X axis, kept orthogonal to the first axis and of unit length.
            var next = new double[dim];
            foreach (var row in data)
            {
                double projection = Dot(row, axis);
                for (int d = 0; d < dim; d++) next[d] += projection * row[d];
            }
            if (orthogonalTo is not null)
            {
                double along = Dot(next, orthogonalTo);
                for (int d = 0; d < dim; d++) next[d] -= along * orthogonalTo[d];
            }
            // |X^T X axis| for a unit axis near the eigenvector is its eigenvalue: the variance along it.
            double norm = Math.Sqrt(Dot(next, next));
            if (norm <= 1e-12 * total) return null;
            double change = 0;
            for (int d = 0; d < dim; d++)
            {
                next[d] /= norm;
                change = Math.Max(change, Math.Abs(next[d] - axis[d]));
            }
            axis = next;
            if (change < 1e-10) break;
        }
        // The sign of an eigenvector is arbitrary: fix it so the largest component is positive.
        int largest = 0;
        for (int d = 1; d < dim; d++) if (Math.Abs(axis[d]) > Math.Abs(axis[largest])) largest = d;
        if (axis[largest] < 0) for (int d = 0; d < dim; d++) axis[d] = -axis[d];
        return axis;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int d = 0; d < a.Length; d++) sum += a[d] * b[d];
        return sum;
    }
}
