using HSoftmax.Corpus;
using HSoftmax.Evaluation;
using HSoftmax.Training;

namespace HSoftmax.Tests.Training;

/// <summary>
/// Quality on the standard benchmark corpus (16.9M tokens): a regression guard for the whole pipeline,
/// with bounds a little under what the engine measured (skip-gram HS, 1 epoch: 0.196-0.200 Google
/// analogy at 30k, WS-353 0.60-0.61; the peers: fastText 0.191 / 0.584, gensim 0.140 / 0.608).
/// </summary>
public class EnwikiQualityTests
{
    private const string Corpus = "corpus/enwiki2015/enwiki2015-paragraphs.txt.gz";

    [RequiresSharedDataFact(Corpus)]
    public void SkipGramHierarchicalSoftmaxMatchesThePeers()
    {
        var options = new TrainingOptions
        {
            Model = ModelKind.SkipGram, Loss = LossKind.HierarchicalSoftmax, Dim = 100, Window = 5,
            Sample = 1e-4, MinCount = 5, Epochs = 1, Threads = 2,
        };
        var result = new CpuEngine().Train(options, CorpusReader.FromPaths([SharedData.Path(Corpus)!]));
        Assert.Equal(67_950, result.Vocabulary.Count);

        string eval = EvaluationSuite.FindBundledEvalFolder()!;
        var analogy = AnalogyEvaluator.Evaluate(result.Vectors, Path.Combine(eval, "analogy", "questions-words.txt"));
        var ws353 = SimilarityEvaluator.Evaluate(result.Vectors, Path.Combine(eval, "similarity", "EN-WS-353-ALL.txt"));
        Assert.Equal(11_963, analogy.Seen);
        Assert.True(analogy.Accuracy > 0.175, $"analogy accuracy {analogy.Accuracy:F4}");
        Assert.True(ws353.Spearman > 0.56, $"WS-353 Spearman {ws353.Spearman:F4}");
    }
}
