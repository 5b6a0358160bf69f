using HSoftmax.Vectors;
using Microsoft.Extensions.Logging;

namespace HSoftmax.Cli;

/// <summary>The evaluation run at the end of <c>hsoftmax train --eval</c>.</summary>
internal static class EvaluateAfterTraining
{
    public static void Run(WordVectors vectors, TextWriter stdout, ILogger logger)
    {
        // Wired to the evaluation suite once it lands.
        logger.LogInformation("Evaluation of {Count} vectors skipped: not available yet", vectors.Count);
    }
}
