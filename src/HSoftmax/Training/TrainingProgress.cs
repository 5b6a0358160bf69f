namespace HSoftmax.Training;

/// <summary>A progress report, sent about once a second while training runs.</summary>
/// <param name="WordsDone">Corpus words (in the vocabulary, before subsampling) processed so far, over all epochs.</param>
/// <param name="TotalWords">Words of all epochs together.</param>
/// <param name="EpochLoss">Mean loss per prediction so far in the current epoch.</param>
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
    public double Fraction => TotalWords == 0 ? 1 : Math.Min(1, (double)WordsDone / TotalWords);

    public TimeSpan Remaining => WordsPerSecond > 0
        ? TimeSpan.FromSeconds(Math.Max(0, TotalWords - WordsDone) / WordsPerSecond)
        : TimeSpan.Zero;
}

/// <summary>One epoch's totals.</summary>
/// <param name="Loss">Mean loss (negative log-likelihood) per prediction: per (context, centre) pair in skip-gram, per centre word in CBOW.</param>
/// <param name="TrainedWords">Words that survived subsampling.</param>
public sealed record EpochSummary(int Epoch, double Loss, long Words, long TrainedWords, long Predictions, TimeSpan Elapsed)
{
    public double WordsPerSecond => Elapsed.TotalSeconds > 0 ? Words / Elapsed.TotalSeconds : 0;
}
