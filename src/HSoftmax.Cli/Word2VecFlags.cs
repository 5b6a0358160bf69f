using System.Globalization;

namespace HSoftmax.Cli;

/// <summary>
/// The word2vec tool's single-dash flags (<c>-train x -output y -size 200 -cbow 0 -hs 1 -negative 0
/// -binary 1 -iter 5</c>) turned into ours, so a word2vec script can switch over by changing the
/// program name. Every flag of word2vec.c's <c>main</c> is mapped or refused; none is ignored.
/// </summary>
internal static class Word2VecFlags
{
    /// <summary>Flags whose value passes through under our name.</summary>
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["-train"] = "--input",
        ["-output"] = "--output",
        ["-size"] = "--dim",
        ["-window"] = "--window",
        ["-sample"] = "--sample",
        ["-threads"] = "--threads",
        ["-iter"] = "--epochs",
        ["-min-count"] = "--min-count",
        ["-alpha"] = "--alpha",
        ["-save-vocab"] = "--save-vocab",
        ["-read-vocab"] = "--read-vocab",
    };

    private static readonly HashSet<string> Translated = ["-cbow", "-binary", "-hs", "-negative", "-debug", "-classes"];

    /// <summary>Whether the arguments use any of word2vec's flags.</summary>
    public static bool Used(IReadOnlyList<string> args) => args.Any(a => Renamed.ContainsKey(a) || Translated.Contains(a));

    /// <summary>
    /// The arguments with word2vec's flags replaced by ours; others are left for the parser. Throws
    /// <see cref="ArgumentException"/> naming the flag for a missing or bad value, or for <c>-classes N</c>
    /// (k-means clustering of the vectors), which HSoftmax does not do.
    /// </summary>
    public static string[] Translate(IReadOnlyList<string> args)
    {
        var result = new List<string>();
        int? hs = null, negative = null;
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            if (!Renamed.ContainsKey(flag) && !Translated.Contains(flag))
            {
                result.Add(flag);
                continue;
            }
            if (i + 1 >= args.Count) throw new ArgumentException($"{flag}: needs a value (word2vec flag)");
            string value = args[++i];
            if (Renamed.TryGetValue(flag, out string? ours))
            {
                result.Add(ours);
                result.Add(value);
                continue;
            }
            int number = int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n
                : throw new ArgumentException($"{flag}: expects a whole number, got '{value}' (word2vec flag)");
            switch (flag)
            {
                case "-cbow": result.AddRange(["--model", number != 0 ? "cbow" : "skipgram"]); break;
                case "-binary": result.AddRange(["--format", number != 0 ? "binary" : "text"]); break;
                case "-hs": hs = number; break;
                case "-negative": negative = number; break;
                case "-debug": if (number == 0) result.Add("--quiet"); break;  // word2vec's levels 1 and 2 both show progress, as we do
                case "-classes":
                    if (number > 0) throw new ArgumentException("-classes: word2vec's k-means clustering of the vectors is not part of HSoftmax; train without it and cluster the vectors file");
                    break;
            }
        }
        if (hs is not null || negative is not null)
        {
            // word2vec trains hierarchical softmax when -hs is 1 and negative sampling when -negative is
            // above 0 (default 5), both when both are asked for.
            bool useHs = (hs ?? 0) != 0;
            int k = negative ?? 5;
            if (!useHs && k <= 0) throw new ArgumentException("-hs 0 -negative 0: word2vec would train no output layer; give -hs 1 or -negative N");
            result.AddRange(["--loss", useHs && k > 0 ? "hs+ns" : useHs ? "hs" : "ns"]);
            if (k > 0) result.AddRange(["--negative", k.ToString(CultureInfo.InvariantCulture)]);
        }
        return [.. result];
    }
}
