using System.Diagnostics;
using HSoftmax.Corpus;
using HSoftmax.Vectors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HSoftmax.Training;

/// <summary>
/// What every engine reports the same way: progress about once a second, divergence checks, the epoch
/// log line, and the <see cref="TrainingResult"/>. An engine calls <see cref="StartEpoch"/>, then
/// <see cref="Running"/> as it goes, <see cref="EndEpoch"/>, and at last <see cref="Finish"/>.
/// </summary>
/// <remarks>Not thread-safe: call it from one thread (the CPU engine's monitor thread, a device engine's loop).</remarks>
public sealed class TrainingMonitor
{
    private readonly TrainingPlan _plan;
    private readonly CorpusReader _corpus;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly ILogger _logger;
    private readonly DivergenceGuard _guard;
    private readonly Stopwatch _clock = new();
    private readonly List<EpochSummary> _epochs = [];
    private TimeSpan _epochStart, _lastReport;
    private long _lastReportWords;

    /// <summary>A monitor for one run of <paramref name="plan"/>; a resumed plan's finished epochs are kept.</summary>
    /// <param name="plan">The plan being trained.</param>
    /// <param name="corpus">The corpus, named in the error when no word of it is in the vocabulary.</param>
    /// <param name="progress">Receives the progress reports; null for none.</param>
    /// <param name="logger">Receives the epoch log lines; null for none.</param>
    public TrainingMonitor(TrainingPlan plan, CorpusReader corpus, IProgress<TrainingProgress>? progress, ILogger? logger)
    {
        _plan = plan;
        _corpus = corpus;
        _progress = progress;
        _logger = logger ?? NullLogger.Instance;
        _guard = new DivergenceGuard(plan.Options);
        if (plan.Checkpoint is { } resumed)
        {
            _epochs.AddRange(resumed.FinishedEpochs);
            if (_epochs.Count > 0) _guard.EpochDone(_epochs[0].Loss);
        }
    }

    /// <summary>Epochs finished so far (a resumed plan's earlier ones included).</summary>
    public IReadOnlyList<EpochSummary> Epochs => _epochs;

    /// <summary>Training time so far: from the first epoch's start, not counting the time between epochs' ends and starts.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Starts an epoch: the training clock runs until <see cref="EndEpoch"/>.</summary>
    /// <param name="wordsDone">Corpus words over all epochs when the epoch starts (the learning-rate clock).</param>
    public void StartEpoch(long wordsDone)
    {
        _clock.Start();
        _epochStart = _lastReport = _clock.Elapsed;
        _lastReportWords = wordsDone;
    }

    /// <summary>
    /// Checks the running loss, and sends a progress report when a second has passed since the last.
    /// Returns the error to stop with when the loss shows divergence, else null.
    /// </summary>
    public TrainingDivergedException? Running(int epoch, long wordsDone, double epochLoss)
    {
        if (_guard.CheckLoss(epochLoss, epoch, Fraction(wordsDone)) is { } diverged) return diverged;
        var now = _clock.Elapsed;
        if (_progress is null || (now - _lastReport).TotalSeconds < 1) return null;
        double rate = (wordsDone - _lastReportWords) / (now - _lastReport).TotalSeconds;
        _lastReport = now;
        _lastReportWords = wordsDone;
        _progress.Report(new TrainingProgress(epoch, _plan.Options.Epochs, wordsDone, _plan.TotalWords, _plan.AlphaAt(wordsDone), rate, epochLoss, now));
        return null;
    }

    /// <summary>Null when every weight is a finite number, else the error to stop with.</summary>
    public TrainingDivergedException? CheckWeights(ReadOnlySpan<float> weights, string name, int epoch, long wordsDone) =>
        _guard.CheckWeights(weights, name, epoch, Fraction(wordsDone));

    /// <summary>The error for weights an engine found not finite (on a device, say).</summary>
    public TrainingDivergedException NonFiniteWeights(string name, int epoch, long wordsDone) => _guard.NonFiniteWeights(name, epoch, Fraction(wordsDone));

    /// <summary>
    /// Closes an epoch: refuses one that trained nothing (a vocabulary that does not fit the corpus) or
    /// whose loss diverged, logs it and keeps its summary.
    /// </summary>
    /// <param name="epoch">The epoch, counting from 1.</param>
    /// <param name="wordsDone">Corpus words over all epochs at the end of this one.</param>
    /// <param name="loss">Mean loss per prediction over the epoch.</param>
    /// <param name="words">Corpus words (in the vocabulary) processed in the epoch; 0 is refused.</param>
    /// <param name="trainedWords">Words that survived subsampling.</param>
    /// <param name="predictions">Predictions made in the epoch.</param>
    /// <param name="detail">Appended to the log line (an engine's own figures), starting with "; ".</param>
    /// <exception cref="CorpusException"><paramref name="words"/> is 0: no word of the corpus is in the vocabulary.</exception>
    /// <exception cref="TrainingDivergedException">The loss shows divergence.</exception>
    public EpochSummary EndEpoch(int epoch, long wordsDone, double loss, long words, long trainedWords, long predictions, string detail = "")
    {
        var summary = new EpochSummary(epoch, loss, words, trainedWords, predictions, _clock.Elapsed - _epochStart);
        _clock.Stop();
        if (words == 0)
            throw new CorpusException($"{(_corpus.Files.Count == 1 ? _corpus.Files[0] : $"{_corpus.Files.Count} files")}: no word of the corpus is in the vocabulary ({_plan.Vocabulary.Count:N0} words, such as '{_plan.Vocabulary.GetWord(0)}'); nothing was trained");
        if (_guard.CheckLoss(loss, epoch, Fraction(wordsDone)) is { } diverged) throw diverged;
        _guard.EpochDone(loss);
        _logger.LogInformation("Epoch {Epoch}/{Epochs}: loss {Loss:F4}, {Words:N0} words ({Trained:N0} after subsampling), {Rate:N0} words/s{Detail}",
            epoch, _plan.Options.Epochs, summary.Loss, summary.Words, summary.TrainedWords, summary.WordsPerSecond, detail);
        _epochs.Add(summary);
        return summary;
    }

    /// <summary>The result: the input rows as word vectors, with the plan's vocabulary, tree and counting figures.</summary>
    public TrainingResult Finish(Word2VecModel model)
    {
        _clock.Stop();
        var vectors = new WordVectors(_plan.Vocabulary.Words, model.InputArray, _plan.Options.Dim);
        return new TrainingResult(vectors, _plan.Vocabulary, _plan.Tree, model, _plan.VocabularyStats, _epochs.ToList(), _clock.Elapsed);
    }

    private double Fraction(long wordsDone) => _plan.TotalWords == 0 ? 1 : Math.Min(1, (double)wordsDone / _plan.TotalWords);
}
