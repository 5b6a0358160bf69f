using HSoftmax.Evaluation;
using HSoftmax.Vectors;
using Microsoft.Extensions.Logging;

namespace HSoftmax.Cli;

/// <summary>The evaluation at the end of <c>hsoftmax train --eval</c>: every bundled set, as <c>hsoftmax eval</c>.</summary>
internal static class EvaluateAfterTraining
{
    public static void Run(WordVectors vectors, TextWriter stdout, ILogger logger)
    {
        string? folder = EvaluationSuite.FindBundledEvalFolder();
        if (folder is null)
        {
            logger.LogWarning("No bundled evaluation sets (corpora/eval) found; skipping --eval");
            return;
        }
        var report = EvaluationSuite.Run(vectors, folder);
        stdout.WriteLine();
        stdout.WriteLine("Evaluation (bundled sets; analogies over the 30,000 most frequent words):");
        stdout.WriteLine(report.ToTable());
    }
}
