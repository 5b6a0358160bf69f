using HSoftmax.Corpus;
using HSoftmax.Tree;
using HSoftmax.Vectors;

namespace HSoftmax.Training;

/// <summary>What a training run produced.</summary>
/// <param name="Vectors">The word vectors: the trained input rows, one per vocabulary word.</param>
/// <param name="Vocabulary">The vocabulary trained on.</param>
/// <param name="Tree">The Huffman tree, for losses with a tree output; else null.</param>
/// <param name="Model">All trained weights, input and output rows.</param>
/// <param name="VocabularyStats">What the counting pass saw; null when the plan did not count the corpus (a given vocabulary, a resumed or continued run).</param>
/// <param name="Epochs">Each epoch's totals, a resumed run's earlier epochs included.</param>
/// <param name="TrainingTime">Time spent training, counting excluded.</param>
public sealed record TrainingResult(
    WordVectors Vectors,
    Vocabulary Vocabulary,
    HuffmanTree? Tree,
    Word2VecModel Model,
    VocabularyStats? VocabularyStats,
    IReadOnlyList<EpochSummary> Epochs,
    TimeSpan TrainingTime)
{
    /// <summary>Corpus words (in vocabulary) per second of training, all epochs.</summary>
    public double WordsPerSecond => TrainingTime.TotalSeconds > 0 ? Epochs.Sum(e => e.Words) / TrainingTime.TotalSeconds : 0;
}
