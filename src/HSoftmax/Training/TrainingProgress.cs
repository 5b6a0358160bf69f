namespace HSoftmax.Training;

/// <summary>A progress report, sent about once a second while training runs.</summary>
/// <param name="Epoch">The current epoch, counting from 1.</param>
/// <param name="Epochs">The number of epochs of the run.</param>
/// <param name="WordsDone">Corpus words (in the vocabulary, before subsampling) processed so far, over all epochs.</param>
/// <param name="TotalWords">Words of all epochs together.</param>
/// <param name="Alpha">The learning rate now.</param>
/// <param name="WordsPerSecond">Corpus words per second since the last report.</param>
/// <param name="EpochLoss">Mean loss per prediction so far in the current epoch.</param>
/// <param name="Elapsed">Training time so far.</param>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    long WordsDone,
    long TotalWords,
    float Alpha,
    double WordsPerSecond,
    double EpochLoss,
    TimeSpan Elapsed)
{
    /// <summary>The share of the run done, 0..1.</summary>
    public double Fraction => TotalWords == 0 ? 1 : Math.Min(1, (double)WordsDone / TotalWords);

    /// <summary>The time left at the current rate; zero when the rate is not known yet.</summary>
    public TimeSpan Remaining => WordsPerSecond > 0
        ? TimeSpan.FromSeconds(Math.Max(0, TotalWords - WordsDone) / WordsPerSecond)
        : TimeSpan.Zero;
}

/// <summary>One epoch's totals.</summary>
/// <param name="Epoch">The epoch, counting from 1.</param>
/// <param name="Loss">Mean loss (negative log-likelihood) per prediction: per (context, centre) pair in skip-gram, per centre word in CBOW.</param>
/// <param name="Words">Corpus words (in the vocabulary, before subsampling) processed in the epoch.</param>
/// <param name="TrainedWords">Words that survived subsampling.</param>
/// <param name="Predictions">Predictions made, the ones <paramref name="Loss"/> is the mean of.</param>
/// <param name="Elapsed">The epoch's training time.</param>
public sealed record EpochSummary(int Epoch, double Loss, long Words, long TrainedWords, long Predictions, TimeSpan Elapsed)
{
    /// <summary>Corpus words per second over the epoch.</summary>
    public double WordsPerSecond => Elapsed.TotalSeconds > 0 ? Words / Elapsed.TotalSeconds : 0;
}
