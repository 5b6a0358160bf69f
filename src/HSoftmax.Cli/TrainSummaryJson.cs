using System.Text.Json;
using System.Text.Json.Nodes;
using HSoftmax.Evaluation;
using HSoftmax.Training;

namespace HSoftmax.Cli;

/// <summary><c>train --json</c>: the run's summary as one object for scripts (the text summary's figures, and the scores).</summary>
internal static class TrainSummaryJson
{
    public static string Create(TrainingResult result, TrainingOptions options, string engine, string loss, TimeSpan wall, JsonObject? distributed, Dictionary<string, string?> outputs, EvaluationReport? report)
    {
        var epochs = new JsonArray();
        foreach (var e in result.Epochs)
        {
            epochs.Add(new JsonObject
            {
                ["epoch"] = e.Epoch, ["loss"] = e.Loss, ["words"] = e.Words, ["trained_words"] = e.TrainedWords, ["predictions"] = e.Predictions,
                ["seconds"] = e.Elapsed.TotalSeconds, ["words_per_second"] = e.WordsPerSecond,
            });
        }
        var tree = result.Tree is { } t
            ? new JsonObject { ["inner_nodes"] = t.InnerNodeCount, ["max_depth"] = t.MaxDepth, ["mean_depth"] = t.WeightedMeanDepth }
            : null;
        var output = new JsonObject();
        foreach (var (key, value) in outputs) output[key] = value;
        var summary = new JsonObject
        {
            ["engine"] = engine,
            ["model"] = options.Model == ModelKind.SkipGram ? "skipgram" : "cbow",
            ["loss"] = loss,
            ["dim"] = options.Dim, ["window"] = options.Window, ["epochs_requested"] = options.Epochs, ["threads"] = options.Threads, ["seed"] = options.Seed,
            ["vocabulary"] = new JsonObject { ["words"] = result.Vocabulary.Count, ["tokens"] = result.Vocabulary.TotalCount },
            ["tree"] = tree,
            ["epochs"] = epochs,
            ["training_seconds"] = result.TrainingTime.TotalSeconds,
            ["words_per_second"] = result.WordsPerSecond,
            ["total_seconds"] = wall.TotalSeconds,
            ["distributed"] = distributed,
            ["outputs"] = output,
            ["evaluation"] = report is null ? null : JsonNode.Parse(report.ToJson(indented: false)),
        };
        return summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
