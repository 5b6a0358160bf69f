using System.Diagnostics;
using HSoftmax.Corpus;
using HSoftmax.Tree;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HSoftmax.Training;

/// <summary>
/// Everything a training run starts from, made once and handed to any <see cref="ITrainingEngine"/>:
/// the checked options, the vocabulary, each word's subsampling keep probability, the Huffman tree, the
/// noise distribution, the learning-rate clock and the starting weights (fresh, continued or resumed).
/// </summary>
/// <remarks>
/// Preparing is the pipeline's first two stages (count the corpus, build the tree); an engine is the third.
/// A plan is read-only, so one plan can be trained by several engines to compare them.
/// </remarks>
public sealed class TrainingPlan
{
    private readonly double[] _keepProbabilities;
    private Word2VecModel? _start;  // a continued plan's weights, until an engine takes them

    private TrainingPlan(TrainingOptions options, Vocabulary vocabulary, VocabularyStats? stats, HuffmanTree? tree, Word2VecModel? start,
        long? wordsPerEpoch, TrainingCheckpoint? resume, ContinuationStats? continuation, ILogger logger)
    {
        Options = options;
        Vocabulary = vocabulary;
        VocabularyStats = stats;
        _keepProbabilities = Subsampling.KeepProbabilities(vocabulary.Counts, options.Sample);
        Tree = options.UsesTreeOutput ? tree ?? BuildTree(vocabulary, _keepProbabilities, logger) : null;
        Noise = options.UsesNegativeSampling ? new NoiseDistribution(vocabulary.Counts, options.NegativeExponent) : null;
        WordsPerEpoch = wordsPerEpoch ?? vocabulary.TotalCount;
        Checkpoint = resume;
        Continuation = continuation;
        _start = start;
    }

    /// <summary>The run's options, checked.</summary>
    public TrainingOptions Options { get; }
    /// <summary>The vocabulary trained: one input row per word, in id order.</summary>
    public Vocabulary Vocabulary { get; }
    /// <summary>What the counting pass saw; null when the vocabulary was given.</summary>
    public VocabularyStats? VocabularyStats { get; }
    /// <summary>The Huffman tree when the loss has one (<see cref="TrainingOptions.UsesTreeOutput"/>).</summary>
    public HuffmanTree? Tree { get; }
    /// <summary>The noise words' distribution when the loss draws them (<see cref="TrainingOptions.UsesNegativeSampling"/>).</summary>
    public NoiseDistribution? Noise { get; }
    /// <summary>Word w's subsampling keep probability, sqrt(t/f) + t/f at most 1 (word2vec's formula).</summary>
    public ReadOnlySpan<double> KeepProbabilities => _keepProbabilities;
    /// <summary>The corpus's words in the vocabulary per epoch: the learning-rate clock's step.</summary>
    public long WordsPerEpoch { get; }
    /// <summary>Words of all epochs together: the learning rate reaches <see cref="TrainingOptions.MinAlpha"/> there.</summary>
    public long TotalWords => WordsPerEpoch * Options.Epochs;
    /// <summary>Bytes of the weight matrices (input and output rows), before any engine's own buffers.</summary>
    public long WeightBytes => Word2VecModel.EstimateBytes(Vocabulary.Count, Options.Dim, Options.UsesTreeOutput, Options.UsesWordOutput);
    /// <summary>Where a resumed run goes on from (epoch, chunk, each thread's state); null for a run from the start.</summary>
    public TrainingCheckpoint? Checkpoint { get; }
    /// <summary>What continuing an older model kept and added; null unless made by <see cref="Continue"/>.</summary>
    public ContinuationStats? Continuation { get; }

    /// <summary>The learning rate after <paramref name="wordsDone"/> corpus words: linear decay over <see cref="TotalWords"/>.</summary>
    public float AlphaAt(long wordsDone) => Options.AlphaAt(wordsDone, TotalWords);

    /// <summary>
    /// The weights to start from: fresh ones for the seed (input rows uniform in [-1, 1) / dim, output rows
    /// zero) at each call; for a resumed run the checkpoint's, and for a continued run the carried-over ones,
    /// which the engine trains in place. A continued plan hands its weights to one engine only: keeping a
    /// copy for a second would cost a whole model's memory.
    /// </summary>
    /// <exception cref="InvalidOperationException">A continued plan's weights were already taken.</exception>
    public Word2VecModel CreateModel()
    {
        if (Checkpoint is not null) return Checkpoint.Model;
        if (Continuation is not null)
        {
            var start = _start ?? throw new InvalidOperationException("a continued plan's starting weights go to one engine; prepare the plan again for another");
            _start = null;
            return start;
        }
        var model = new Word2VecModel(Vocabulary.Count, Options.Dim, Options.UsesTreeOutput, Options.UsesWordOutput);
        model.Initialise(Options.Seed);
        return model;
    }

    /// <summary>
    /// Throws <see cref="InsufficientMemoryException"/> when <paramref name="bytes"/> of host memory are not
    /// available now (the kernel's MemAvailable, or a container limit); engines call it before allocating.
    /// </summary>
    public void EnsureHostMemory(long bytes, string what)
    {
        long available = AvailableMemory.Bytes();
        if (bytes > available)
            throw new InsufficientMemoryException(
                $"{what} need {bytes / 1048576.0:N0} MB ({Vocabulary.Count:N0} words x {Options.Dim} dims) but only {available / 1048576.0:N0} MB are available; lower the dimension, raise the minimum count or cap the vocabulary");
    }

    /// <summary>Counts the corpus (the first pass) and prepares a run on it.</summary>
    /// <exception cref="InvalidOptionException">An option is out of range.</exception>
    /// <exception cref="CorpusException">The corpus cannot be read, or no word of it occurs min-count times.</exception>
    public static TrainingPlan Prepare(TrainingOptions options, CorpusReader corpus, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        logger ??= NullLogger.Instance;
        var clock = Stopwatch.StartNew();
        var vocabulary = VocabularyBuilder.Build(corpus, options.MinCount, options.MaxVocab, out var stats, cancellationToken);
        logger.LogInformation("Vocabulary: {Kept:N0} words kept of {Distinct:N0} distinct (min-count {MinCount}); {Tokens:N0} corpus tokens, {KeptTokens:N0} in vocabulary; counted in {Seconds:F1} s",
            stats.KeptWords, stats.DistinctWords, options.MinCount, stats.CorpusTokens, stats.KeptTokens, clock.Elapsed.TotalSeconds);
        if (stats.SkippedLongTokens > 0)
            logger.LogWarning("Skipped {Count:N0} tokens longer than {Max} bytes", stats.SkippedLongTokens, corpus.Options.MaxTokenBytes);
        return new TrainingPlan(options, vocabulary, stats, null, null, null, null, null, logger);
    }

    /// <summary>Prepares a run with a vocabulary made beforehand (or loaded, as word2vec's -read-vocab).</summary>
    /// <exception cref="InvalidOptionException">An option is out of range.</exception>
    public static TrainingPlan Prepare(TrainingOptions options, Vocabulary vocabulary, ILogger? logger = null)
    {
        options.Validate();
        return new(options, vocabulary, null, null, null, null, null, null, logger ?? NullLogger.Instance);
    }

    /// <summary>Goes on from a checkpoint: its options, vocabulary, tree, weights and place in the corpus.</summary>
    /// <exception cref="ArgumentException">An unfinished checkpoint's thread states do not match its options' thread count.</exception>
    public static TrainingPlan Resume(TrainingCheckpoint checkpoint, ILogger? logger = null)
    {
        checkpoint.Options.Validate();  // ModelFile.Load checks them too; a checkpoint built in code is not loaded
        logger ??= NullLogger.Instance;
        if (!checkpoint.Finished && checkpoint.Workers.Count != checkpoint.Options.Threads)
            throw new ArgumentException($"the checkpoint holds {checkpoint.Workers.Count} threads' states for {checkpoint.Options.Threads} threads", nameof(checkpoint));
        if (checkpoint.Finished)
            logger.LogInformation("The checkpoint's run had finished all {Epochs} epochs: nothing left to train", checkpoint.Options.Epochs);
        else
            logger.LogInformation("Resuming at epoch {Epoch}/{Epochs}, chunk {Chunk:N0}, after {Words:N0} words",
                checkpoint.Epoch, checkpoint.Options.Epochs, checkpoint.ChunksDone, checkpoint.WordsDone);
        return new TrainingPlan(checkpoint.Options, checkpoint.Vocabulary, null, checkpoint.Tree, null, checkpoint.WordsPerEpoch, checkpoint, null, logger);
    }

    /// <summary>
    /// Trains a finished model further on new text (see ContinuedTraining): counts merge, new words
    /// join with fresh rows, the old tree is kept and the new words grafted beside it.
    /// </summary>
    /// <param name="from">The model to continue: a checkpoint, finished or not.</param>
    /// <param name="newText">The new text; it is counted here (a pass over it) with min-count 1.</param>
    /// <param name="options">The model's options with this run's epochs, rates, threads and seed. With no
    /// <see cref="TrainingOptions.Alpha"/> the rate starts where one run over the old and the new text would
    /// be when the new text begins (tools/results/continue.md).</param>
    /// <param name="logger">Receives the log lines; null for none.</param>
    /// <param name="cancellationToken">Stops the counting pass.</param>
    /// <exception cref="ArgumentException"><paramref name="options"/> changes the model's dimension or loss.</exception>
    public static TrainingPlan Continue(TrainingCheckpoint from, CorpusReader newText, TrainingOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        logger ??= NullLogger.Instance;
        var newCounts = VocabularyBuilder.Build(newText, 1, null, out var newStats, cancellationToken);
        var (merged, start, tree, stats) = ContinuedTraining.Prepare(from, newCounts, options);
        if (options.Alpha is null)
        {
            // Restarting at the full rate undid the old training (enwiki halves, HS); the figures are in
            // tools/results/continue.md, which also has the NS case, where the full rate did better.
            double newWords = (double)stats.NewTokens * options.Epochs;
            // Never below MinAlpha (a huge old model and a little new text), which the schedule decays to.
            float asOneRun = (float)(from.Options.EffectiveAlpha * newWords / (from.WordsDone + newWords));
            options = options with { Alpha = Math.Max(asOneRun, options.MinAlpha) };
            options.Validate();  // the rate just set (no new word in the vocabulary and MinAlpha 0 make it 0)
            logger.LogInformation("Learning rate from {Alpha:G4}: where one run over the old and new text would be when the new text begins (give the rate to choose)", options.Alpha);
        }
        logger.LogInformation("Continuing a model of {Old:N0} words on {Tokens:N0} new tokens: {New:N0} new words, {Dropped:N0} dropped by the vocabulary cap",
            stats.OldWords, newStats.CorpusTokens, stats.NewWords, stats.DroppedWords);
        if (tree is not null)
            logger.LogInformation("Huffman tree: the old one kept with its {Kept:N0} trained rows, the new words grafted beside it ({New:N0} new rows start at zero); depth max {Max}, mean {Mean:F2}",
                stats.TreeRowsKept, stats.TreeRows - stats.TreeRowsKept, tree.MaxDepth, tree.WeightedMeanDepth);
        else if (stats.TreeRows > 0)
            logger.LogInformation("Huffman tree rebuilt from the merged counts (the vocabulary cap dropped old words): {Kept:N0} of {Rows:N0} inner-node rows kept (their words unchanged), the rest start at zero",
                stats.TreeRowsKept, stats.TreeRows);
        return new TrainingPlan(options, merged, null, tree, start, stats.NewTokens, null, stats, logger);
    }

    /// <param name="vocabulary">The words, whose counts weight the tree.</param>
    /// <param name="keepProbabilities">Each word's subsampling keep probability, for the logged mean code length of the words trained.</param>
    /// <param name="logger">Receives the tree's figures.</param>
    private static HuffmanTree BuildTree(Vocabulary vocabulary, double[] keepProbabilities, ILogger logger)
    {
        var clock = Stopwatch.StartNew();
        var tree = HuffmanTree.Build(vocabulary.Counts);
        var elapsed = clock.Elapsed;
        // Subsampling drops frequent words, which have the short codes: the words trained on average a
        // longer path than the corpus's count-weighted mean, the more so the smaller the vocabulary.
        var kept = new double[keepProbabilities.Length];
        for (int w = 0; w < kept.Length; w++) kept[w] = keepProbabilities[w] * vocabulary.Counts[w];
        logger.LogInformation("Huffman tree: {Inner:N0} inner nodes, depth max {Max}, mean {Mean:F2} (count-weighted), {Trained:F2} over the words kept by subsampling; built in {Ms:F0} ms",
            tree.InnerNodeCount, tree.MaxDepth, tree.WeightedMeanDepth, tree.MeanDepth(kept), elapsed.TotalMilliseconds);
        return tree;
    }
}
