using HSoftmax.Evaluation;
using HSoftmax.Vectors;
using Microsoft.Extensions.Logging;

namespace HSoftmax.Cli;

/// <summary>The evaluation at the end of <c>hsoftmax train --eval</c>: every bundled set, as <c>hsoftmax eval</c>.</summary>
internal static class EvaluateAfterTraining
{
    /// <summary>Scores the vectors; null (with a warning) when the bundled sets are not found.</summary>
    public static EvaluationReport? Run(WordVectors vectors, ILogger logger)
    {
        string? folder = EvaluationSuite.FindBundledEvalFolder();
        if (folder is null)
        {
            logger.LogWarning("No bundled evaluation sets (corpora/eval) found; skipping --eval");
            return null;
        }
        return EvaluationSuite.Run(vectors, folder);
    }

    public static void Print(EvaluationReport report, TextWriter stdout)
    {
        stdout.WriteLine();
        stdout.WriteLine("Evaluation (bundled sets; analogies over the 30,000 most frequent words):");
        stdout.WriteLine(report.ToTable());
    }
}
