using HSoftmax.Corpus;
using HSoftmax.Tree;
using HSoftmax.Vectors;

namespace HSoftmax.Training;

/// <summary>What a training run produced.</summary>
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
