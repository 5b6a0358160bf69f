using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using HSoftmax.Corpus;
using HSoftmax.Tree;
using HSoftmax.Vectors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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

/// <summary>
/// The multi-threaded CPU engine: one reader thread streams the corpus as word ids, N training threads
/// update the shared weights without locks (Hogwild, as the word2vec tool does).
/// With one thread and a seed, a run is bit-for-bit repeatable.
/// </summary>
public sealed class CpuTrainer
{
    private readonly TrainingOptions _options;
    private readonly ILogger _logger;

    /// <summary>Where and how often to write checkpoints (<see cref="ModelFile"/>); null for none.</summary>
    public CheckpointPolicy? Checkpoints { get; init; }

    public CpuTrainer(TrainingOptions options, ILogger? logger = null)
    {
        options.Validate();
        if (options.Loss is LossKind.SampledSoftmax or LossKind.Softmax)
            throw new ArgumentException("--loss: sampled and softmax need the TorchSharp engine (--engine torch); the CPU engine trains hs, ns or hs+ns");
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Counts the vocabulary, builds the tree and trains.</summary>
    public TrainingResult Train(CorpusReader corpus, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var vocabulary = CountVocabulary(corpus, _options, _logger, out var stats, cancellationToken);
        return Train(corpus, vocabulary, progress, cancellationToken) with { VocabularyStats = stats };
    }

    /// <param name="keepProbabilities">Each word's subsampling keep probability, for the logged mean code length of the words trained.</param>
    internal static HuffmanTree BuildTree(Vocabulary vocabulary, double[] keepProbabilities, ILogger logger)
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

    /// <summary>The counting pass both engines start with, logged.</summary>
    internal static Vocabulary CountVocabulary(CorpusReader corpus, TrainingOptions options, ILogger logger, out VocabularyStats stats, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var vocabulary = VocabularyBuilder.Build(corpus, options.MinCount, options.MaxVocab, out stats, cancellationToken);
        logger.LogInformation("Vocabulary: {Kept:N0} words kept of {Distinct:N0} distinct (min-count {MinCount}); {Tokens:N0} corpus tokens, {KeptTokens:N0} in vocabulary; counted in {Seconds:F1} s",
            stats.KeptWords, stats.DistinctWords, options.MinCount, stats.CorpusTokens, stats.KeptTokens, clock.Elapsed.TotalSeconds);
        if (stats.SkippedLongTokens > 0)
            logger.LogWarning("Skipped {Count:N0} tokens longer than {Max} bytes", stats.SkippedLongTokens, corpus.Options.MaxTokenBytes);
        return vocabulary;
    }

    /// <summary>Trains on a corpus with a vocabulary made beforehand (or loaded, as word2vec's -read-vocab).</summary>
    public TrainingResult Train(CorpusReader corpus, Vocabulary vocabulary, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(corpus, vocabulary, null, null, progress, cancellationToken, null);

    /// <summary>
    /// Trains a model prepared by <see cref="ContinuedTraining.Prepare"/> (merged vocabulary, carried rows)
    /// further, on new text: the learning rate decays from the start again over this run's epochs.
    /// </summary>
    /// <param name="tree">The tree <see cref="ContinuedTraining.Prepare"/> made (the old one with the new words grafted on), or null to build one from the counts.</param>
    /// <param name="wordsPerEpoch">The new text's words in the vocabulary (<see cref="ContinuationStats.NewTokens"/>): the merged counts hold the old text's too.</param>
    public TrainingResult Continue(CorpusReader corpus, Vocabulary vocabulary, Word2VecModel start, HuffmanTree? tree, long wordsPerEpoch,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (start.WordCount != vocabulary.Count || start.Dim != _options.Dim || (tree is not null && tree.WordCount != vocabulary.Count))
            throw new ArgumentException("the starting model does not fit the vocabulary and options");
        return Run(corpus, vocabulary, null, start, progress, cancellationToken, tree, wordsPerEpoch);
    }

    /// <summary>
    /// Goes on from a checkpoint: its vocabulary, weights and place in the corpus. The trainer's options
    /// must be the checkpoint's, and the corpus the one it was trained on.
    /// </summary>
    public TrainingResult Resume(CorpusReader corpus, TrainingCheckpoint checkpoint, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (checkpoint.Options != _options)
            throw new ArgumentException("the trainer's options differ from the checkpoint's; construct it with checkpoint.Options");
        if (checkpoint.Finished)
            _logger.LogInformation("The checkpoint's run had finished all {Epochs} epochs: nothing left to train", _options.Epochs);
        else
            _logger.LogInformation("Resuming at epoch {Epoch}/{Epochs}, chunk {Chunk:N0}, after {Words:N0} words", checkpoint.Epoch, _options.Epochs, checkpoint.ChunksDone, checkpoint.WordsDone);
        return Run(corpus, checkpoint.Vocabulary, checkpoint, null, progress, cancellationToken, checkpoint.Tree);
    }

    private TrainingResult Run(CorpusReader corpus, Vocabulary vocabulary, TrainingCheckpoint? resume, Word2VecModel? start,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken, HuffmanTree? givenTree, long? wordsPerEpoch = null)
    {
        var o = _options;
        bool hs = o.Loss.HasFlag(LossKind.HierarchicalSoftmax);
        bool ns = o.Loss.HasFlag(LossKind.NegativeSampling);

        var keepProbabilities = Subsampling.KeepProbabilities(vocabulary.Counts, o.Sample);
        HuffmanTree? tree = hs ? givenTree ?? BuildTree(vocabulary, keepProbabilities, _logger) : null;
        long bytes = Word2VecModel.EstimateBytes(vocabulary.Count, o.Dim, hs, ns);
        long available = AvailableMemory.Bytes();
        _logger.LogInformation("Weights: {Words:N0} x {Dim} ({Matrices}), {MB:N0} MB of {Available:N0} MB available",
            vocabulary.Count, o.Dim, hs && ns ? "input, tree, noise" : hs ? "input, tree" : "input, noise", bytes / 1048576.0, available / 1048576.0);
        if (bytes > available)
            throw new InsufficientMemoryException(
                $"the weights need {bytes / 1048576.0:N0} MB ({vocabulary.Count:N0} words x {o.Dim} dims) but only {available / 1048576.0:N0} MB are available; lower --dim, raise --min-count or set --max-vocab");
        // The counting pass's tables (every distinct word) are garbage now: give their memory back
        // before the matrices are allocated, so the two never add up in the peak.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var model = resume?.Model ?? start ?? new Word2VecModel(vocabulary.Count, o.Dim, hs, ns);
        if (resume is null && start is null) model.Initialise(o.Seed);
        int cores = Environment.ProcessorCount;
        if (o.Threads > cores)
            _logger.LogInformation("Threads: {Threads} training threads on {Cores} cores: they take turns, so the vectors are those of {Threads} threads and the speed that of {Cores}",
                o.Threads, cores, o.Threads, cores);
        else
            _logger.LogInformation("Threads: {Threads} training threads on {Cores} cores", o.Threads, cores);

        var run = new TrainingRun(o, vocabulary, keepProbabilities, tree, model, corpus, progress, _logger, Checkpoints, resume, wordsPerEpoch);
        var epochs = run.Execute(cancellationToken);
        var vectors = new WordVectors(vocabulary.Words, model.Input, o.Dim);
        return new TrainingResult(vectors, vocabulary, tree, model, null, epochs, run.Elapsed);
    }
}

/// <summary>One training run: shared state of the threads, and the per-epoch loop.</summary>
internal sealed unsafe class TrainingRun
{
    private const int AlphaUpdateWords = 10_000;

    private readonly TrainingOptions _o;
    private readonly Vocabulary _vocabulary;
    private readonly HuffmanTree? _tree;
    private readonly Word2VecModel _model;
    private readonly CorpusReader _corpus;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly ILogger _logger;
    private readonly uint[] _keepThreshold;  // keep a token when a uniform 32-bit draw is at most its word's threshold
    private readonly AliasSampler? _noise;
    private readonly long _totalWords;
    private readonly long _wordsPerEpoch;  // the corpus's words in the vocabulary: its counts, unless a continued run's merged them
    private readonly DivergenceGuard _guard;
    private readonly CheckpointPolicy? _checkpoints;
    private readonly TrainingCheckpoint? _resume;
    private readonly PauseGate _gate = new();
    private readonly List<EpochSummary> _finished = [];
    private SharedHotRows? _hotTree, _hotNoise;
    private long _wordsDone;
    private long _skipChunks;   // chunks of a resumed epoch that the checkpoint had trained
    private readonly object _skipLock = new();
    private long _chunksDone;   // chunks of this epoch trained (skipped ones included)
    private TimeSpan _lastCheckpointTime;
    private long _lastCheckpointWords;
    private readonly Stopwatch _clock = new();

    public TrainingRun(TrainingOptions o, Vocabulary vocabulary, double[] keepProbabilities, HuffmanTree? tree, Word2VecModel model, CorpusReader corpus,
        IProgress<TrainingProgress>? progress, ILogger logger, CheckpointPolicy? checkpoints = null, TrainingCheckpoint? resume = null, long? wordsPerEpoch = null)
    {
        _checkpoints = checkpoints;
        _resume = resume;
        _o = o; _vocabulary = vocabulary; _tree = tree; _model = model; _corpus = corpus;
        _progress = progress; _logger = logger;
        _keepThreshold = Array.ConvertAll(keepProbabilities, FastRandom.ProbabilityThreshold);
        _noise = o.Loss.HasFlag(LossKind.NegativeSampling) ? AliasSampler.ForNegatives(vocabulary.Counts, o.NegativeExponent) : null;
        _wordsPerEpoch = wordsPerEpoch ?? resume?.WordsPerEpoch ?? vocabulary.TotalCount;
        _totalWords = _wordsPerEpoch * o.Epochs;
        _guard = new DivergenceGuard(o);
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyList<EpochSummary> Execute(CancellationToken cancellationToken)
    {
        var pins = new List<GCHandle>();
        GCHandle Pin(object o) { var h = GCHandle.Alloc(o, GCHandleType.Pinned); pins.Add(h); return h; }
        var workers = new Worker[_o.Threads];
        try
        {
            var objectives = new ObjectiveSet();
            float* sig = (float*)Pin(Sigmoid.Table).AddrOfPinnedObject();
            float* lp = (float*)Pin(Sigmoid.LossPositive).AddrOfPinnedObject();
            float* ln = (float*)Pin(Sigmoid.LossNegative).AddrOfPinnedObject();
            if (_tree is not null)
            {
                objectives.Hs = new HierarchicalSoftmax(Word2VecModel.Pointer(_model.TreeOutput), _o.Dim,
                    (int*)Pin(_tree.Links).AddrOfPinnedObject(), _tree.WordCount,
                    sig, lp, ln);
            }
            if (_noise is not null)
            {
                objectives.Ns = new NegativeSampling(Word2VecModel.Pointer(_model.NoiseOutput), _o.Dim, _o.Negative,
                    (uint*)Pin(_noise.Threshold).AddrOfPinnedObject(), (int*)Pin(_noise.Alias).AddrOfPinnedObject(), _noise.Count,
                    sig, lp, ln);
            }
            // Private copies of the rows every thread writes most; one thread has nothing to share them with.
            if (_o.Threads > 1)
            {
                // With two threads, the rows below the averaged ones are private too, and summed: see SharedHotRows.
                bool pair = _o.Threads == 2;
                if (_tree is { InnerNodeCount: > 0 } tree && _o.HotTreeRows > 0)
                {
                    int averaged = Math.Min(_o.HotTreeRows, tree.InnerNodeCount);
                    int rows = Math.Min(averaged + (pair ? _o.SummedTreeRows : 0), tree.InnerNodeCount);
                    _hotTree = new SharedHotRows(Word2VecModel.Pointer(_model.TreeOutput), tree.InnerNodeCount - rows, rows, _o.Dim, rows - averaged, averaged);
                }
                if (_noise is not null && _o.HotNoiseRows > 0)
                {
                    int averaged = Math.Min(_o.HotNoiseRows, _vocabulary.Count);
                    int rows = Math.Min(averaged + (pair ? _o.SummedNoiseRows : 0), _vocabulary.Count);
                    _hotNoise = new SharedHotRows(Word2VecModel.Pointer(_model.NoiseOutput), 0, rows, _o.Dim, 0, averaged);
                }
            }
            for (int t = 0; t < workers.Length; t++)
                workers[t] = new Worker(this, t, objectives, new FastRandom(_resume?.Workers[t].Random ?? _o.Seed * 0x100000001B3UL + (ulong)t + 1));

            // Dealt into at least as many chunks as threads, so that every thread has work even on a small corpus.
            var producer = new ChunkProducer(_corpus, poolSize: 2 * _o.Threads + 2, streams: Math.Max(_o.Streams, _o.Threads));
            int first = 1;
            if (_resume is not null)
            {
                _finished.AddRange(_resume.FinishedEpochs);
                _wordsDone = _lastCheckpointWords = _resume.WordsDone;
                first = _resume.Epoch;
            }
            _clock.Start();
            for (int epoch = first; epoch <= _o.Epochs; epoch++)
            {
                var restore = epoch == _resume?.Epoch ? _resume : null;
                _finished.Add(RunEpoch(epoch, workers, producer, restore, cancellationToken));
            }
            _clock.Stop();
            if (_checkpoints is not null && _resume?.Finished != true) WriteCheckpoint(_o.Epochs + 1, 0, workers);
            return _finished.ToList();
        }
        finally
        {
            foreach (var w in workers) w?.Dispose();
            foreach (var h in pins) h.Free();
        }
    }

    private EpochSummary RunEpoch(int epoch, Worker[] workers, ChunkProducer producer, TrainingCheckpoint? restore, CancellationToken cancellationToken)
    {
        var start = _clock.Elapsed;
        // Every epoch processes _wordsPerEpoch words: a resumed one started that many per epoch before it.
        long doneAtStart = restore is null ? Interlocked.Read(ref _wordsDone) : (epoch - 1) * _wordsPerEpoch;
        foreach (var w in workers) w.ResetEpoch();
        if (restore is not null)
            for (int t = 0; t < workers.Length; t++) workers[t].Restore(restore.Workers[t]);
        _skipChunks = _chunksDone = restore?.ChunksDone ?? 0;
        _gate.Start(workers.Length);
        _hotTree?.BeginEpoch();
        _hotNoise?.BeginEpoch();
        using var queue = new BlockingCollection<TokenChunk>(boundedCapacity: _o.Threads + 1);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = Task.Factory.StartNew(() => producer.ProduceEpoch(queue, linked.Token), TaskCreationOptions.LongRunning);
        var threads = new Thread[workers.Length];
        var errors = new ConcurrentQueue<Exception>();
        for (int t = 0; t < workers.Length; t++)
        {
            var worker = workers[t];
            threads[t] = new Thread(() =>
            {
                try { worker.Run(queue, producer, linked.Token); }
                catch (OperationCanceledException) { }
                catch (Exception e) { errors.Enqueue(e); linked.Cancel(); }
            }) { IsBackground = true, Name = $"hsoftmax-train-{t}" };
            threads[t].Start();
        }

        var lastReport = _clock.Elapsed;
        long lastWords = doneAtStart;
        TrainingDivergedException? diverged = null;
        while (!threads.All(th => th.Join(200)))
        {
            if (diverged is null && (diverged = CheckWhileRunning(epoch, workers)) is not null)
                linked.Cancel();
            if (diverged is null && !linked.IsCancellationRequested && CheckpointDue())
            {
                // Every thread stops between two chunks; the chunks trained are then the epoch's first ones.
                _gate.Pause();
                try { WriteCheckpoint(epoch, Interlocked.Read(ref _chunksDone), workers); }
                catch (Exception e)
                {
                    // A full disk, say: stop the threads and report it once they are joined, never leave them
                    // running over memory that the unwinding frees.
                    errors.Enqueue(e);
                    linked.Cancel();
                }
                finally { _gate.Release(); }
            }
            if (_progress is null || (_clock.Elapsed - lastReport).TotalSeconds < 1) continue;
            var now = _clock.Elapsed;
            long done = Interlocked.Read(ref _wordsDone) + workers.Sum(w => w.PendingWords);
            double rate = (done - lastWords) / (now - lastReport).TotalSeconds;
            lastReport = now; lastWords = done;
            _progress.Report(new TrainingProgress(epoch, _o.Epochs, done, _totalWords, CurrentAlpha(done), rate, MeanLoss(workers), now));
        }
        try { reader.Wait(); }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException) { }
        catch (AggregateException e) { errors.Enqueue(e.InnerException!); }
        if (diverged is not null) throw diverged;
        if (!errors.IsEmpty)
        {
            var first = errors.First(e => e is not OperationCanceledException);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
        if (cancellationToken.IsCancellationRequested && _checkpoints is not null)
        {
            // Cancelled threads stop between chunks too: what they did is kept, to be resumed.
            WriteCheckpoint(epoch, Interlocked.Read(ref _chunksDone), workers);
        }
        cancellationToken.ThrowIfCancellationRequested();

        long words = Interlocked.Read(ref _wordsDone) - doneAtStart;
        var summary = new EpochSummary(epoch, MeanLoss(workers), words, workers.Sum(w => w.TrainedWords),
            workers.Sum(w => w.Scratch.Examples), _clock.Elapsed - start);
        if (summary.Words == 0) throw NothingTrained(_corpus, _vocabulary);
        double fraction = Fraction();
        diverged = _guard.CheckLoss(summary.Loss, epoch, fraction)
            ?? _guard.CheckWeights(_model.Input, "input", epoch, fraction)
            ?? _guard.CheckWeights(_model.TreeOutput, "tree", epoch, fraction)
            ?? _guard.CheckWeights(_model.NoiseOutput, "noise", epoch, fraction);
        if (diverged is not null) throw diverged;
        _guard.EpochDone(summary.Loss);
        _logger.LogInformation("Epoch {Epoch}/{Epochs}: loss {Loss:F4}, {Words:N0} words ({Trained:N0} after subsampling), {Rate:N0} words/s",
            epoch, _o.Epochs, summary.Loss, summary.Words, summary.TrainedWords, summary.WordsPerSecond);
        return summary;
    }

    /// <summary>
    /// The divergence check made every 200 ms: the running loss, and the rows every prediction writes (the
    /// most frequent words' input rows, the top of the tree, the most frequent noise rows), where NaN shows
    /// first. The whole matrices are checked at the end of each epoch.
    /// </summary>
    private TrainingDivergedException? CheckWhileRunning(int epoch, Worker[] workers)
    {
        double fraction = Fraction();
        int head = Math.Min(_vocabulary.Count, SharedHotRows.TreeRows) * _o.Dim;
        return _guard.CheckLoss(MeanLoss(workers), epoch, fraction)
            ?? _guard.CheckWeights(_model.Input.AsSpan(0, head), "input", epoch, fraction)
            ?? _guard.CheckWeights(_model.TreeOutput.AsSpan(0, Math.Min(head, _model.TreeOutput?.Length ?? 0)), "tree", epoch, fraction)
            ?? _guard.CheckWeights(_model.NoiseOutput.AsSpan(0, Math.Min(head, _model.NoiseOutput?.Length ?? 0)), "noise", epoch, fraction);
    }

    private double Fraction() => _totalWords == 0 ? 1 : Math.Min(1, (double)Interlocked.Read(ref _wordsDone) / _totalWords);

    private bool CheckpointDue()
    {
        if (_checkpoints is null) return false;
        if (_checkpoints.Every is TimeSpan every && _clock.Elapsed - _lastCheckpointTime >= every) return true;
        return _checkpoints.EveryWords is long words && Interlocked.Read(ref _wordsDone) - _lastCheckpointWords >= words;
    }

    private void WriteCheckpoint(int epoch, long chunksDone, Worker[] workers)
    {
        var policy = _checkpoints!;
        var clock = Stopwatch.StartNew();
        var checkpoint = new TrainingCheckpoint
        {
            Options = _o, Inputs = _corpus.Files, Command = policy.Command, Vocabulary = _vocabulary, Model = _model, Tree = _tree, WordsPerEpoch = _wordsPerEpoch,
            Epoch = epoch, ChunksDone = chunksDone, WordsDone = Interlocked.Read(ref _wordsDone),
            Workers = workers.Select(w => w.State).ToArray(), FinishedEpochs = _finished.ToArray(),
        };
        ModelFile.Save(checkpoint, policy.Path);
        policy.Written = checkpoint;
        _lastCheckpointTime = _clock.Elapsed;
        _lastCheckpointWords = checkpoint.WordsDone;
        _logger.LogInformation("Checkpoint: {Path} (epoch {Epoch}, {Words:N0} words) written in {Seconds:F1} s",
            policy.Path, Math.Min(epoch, _o.Epochs), checkpoint.WordsDone, clock.Elapsed.TotalSeconds);
    }

    /// <summary>An epoch met no word of the vocabulary: a vocabulary read from a file that does not fit the corpus.</summary>
    internal static CorpusException NothingTrained(CorpusReader corpus, Vocabulary vocabulary) =>
        new($"{(corpus.Files.Count == 1 ? corpus.Files[0] : $"{corpus.Files.Count} files")}: no word of the corpus is in the vocabulary ({vocabulary.Count:N0} words, such as '{vocabulary.GetWord(0)}'); nothing was trained");

    private static double MeanLoss(Worker[] workers)
    {
        double loss = 0; long n = 0;
        foreach (var w in workers) { loss += w.Scratch.Loss; n += w.Scratch.Examples; }
        return n > 0 ? loss / n : 0;
    }

    private float CurrentAlpha(long done) => _o.AlphaAt(done, _totalWords);

    private struct ObjectiveSet
    {
        public HierarchicalSoftmax Hs;
        public NegativeSampling Ns;
    }

    /// <summary>One training thread and its scratch.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly TrainingRun _run;
        private readonly ObjectiveSet _objectives;
        private readonly int[] _sentence;
        private readonly HotRowCache? _hotTree;
        private readonly HotRowCache? _hotNoise;
        private ThreadScratch* _scratch;

        public Worker(TrainingRun run, int thread, ObjectiveSet objectives, FastRandom random)
        {
            _run = run;
            if (run._hotTree is { } hotTree)
            {
                _hotTree = new HotRowCache(hotTree, thread);
                objectives.Hs = objectives.Hs.WithHotRows(_hotTree);
            }
            if (run._hotNoise is { } hotNoise)
            {
                _hotNoise = new HotRowCache(hotNoise, thread);
                objectives.Ns = objectives.Ns.WithHotRows(_hotNoise);
            }
            _objectives = objectives;
            _sentence = GC.AllocateUninitializedArray<int>(run._corpus.Options.MaxSentenceLength, pinned: true);
            int dim = run._o.Dim;
            _scratch = (ThreadScratch*)ThreadScratch.AllocateUnshared(sizeof(ThreadScratch));
            *_scratch = default;
            Scratch.Hidden = (float*)ThreadScratch.AllocateUnshared(dim * sizeof(float));
            Scratch.Grad = (float*)ThreadScratch.AllocateUnshared(dim * sizeof(float));
            Scratch.Random = random;
        }

        /// <summary>Everything this thread writes while it trains, on cache lines of its own.</summary>
        public ref ThreadScratch Scratch => ref *_scratch;

        public long TrainedWords => _scratch->TrainedWords;

        /// <summary>Processed, not yet added to the shared counter.</summary>
        public long PendingWords => Volatile.Read(ref _scratch->PendingWords);

        /// <summary>This thread's state for a checkpoint (taken between chunks).</summary>
        public WorkerState State => new(Scratch.Random.State, Scratch.Loss, Scratch.Examples, Scratch.TrainedWords);

        /// <summary>Continues a checkpoint's epoch with this thread's tallies as they were (its random state came with the constructor).</summary>
        public void Restore(WorkerState state)
        {
            ref var s = ref Scratch;
            s.Loss = state.Loss;
            s.Examples = state.Examples;
            s.TrainedWords = state.TrainedWords;
        }

        public void ResetEpoch()
        {
            ref var s = ref Scratch;
            s.SinceMerge = 0;
            s.Loss = 0;
            s.Examples = 0;
            s.TrainedWords = 0;
            s.PendingWords = 0;
        }

        public void Run(BlockingCollection<TokenChunk> queue, ChunkProducer producer, CancellationToken cancellationToken)
        {
            var o = _run._o;
            var hs = o.Loss.HasFlag(LossKind.HierarchicalSoftmax);
            var ns = o.Loss.HasFlag(LossKind.NegativeSampling);
            bool training = false;
            try
            {
                while (true)
                {
                    // Between two chunks: the safe point where a checkpoint can stop this thread.
                    _run._gate.Pass(() => { if (training) MergeHotRows(); FlushWords(); });
                    if (Volatile.Read(ref _run._skipChunks) > 0) SkipTrainedChunks(queue, producer, cancellationToken);
                    if (!queue.TryTake(out var chunk, Timeout.Infinite, cancellationToken)) break;
                    if (!training)
                    {
                        // Copy the hot rows only now: a thread that starts late starts from the merges before it.
                        _hotTree?.BeginTraining();
                        _hotNoise?.BeginTraining();
                        training = true;
                    }
                    if (hs && ns) { var both = new BothObjectives(_objectives.Hs, _objectives.Ns); TrainChunk(ref both, chunk); }
                    else if (hs) { var h = _objectives.Hs; TrainChunk(ref h, chunk); }
                    else { var n = _objectives.Ns; TrainChunk(ref n, chunk); }
                    producer.Recycle(chunk);
                    Interlocked.Increment(ref _run._chunksDone);
                }
            }
            finally
            {
                // Also when cancelled: the thread stopped between chunks, and a checkpoint may keep its work.
                if (training) MergeHotRows();
                FlushWords();
                _run._gate.Leave();
            }
        }

        /// <summary>
        /// Drops the chunks the checkpoint this run resumed from had trained: the queue's first ones. Taking
        /// and counting happen under one lock, so with several threads the skipped chunks are exactly the
        /// first ones, not whichever a thread counted first; a thread sees the count at 0 only after the
        /// last skipped chunk was taken.
        /// </summary>
        private void SkipTrainedChunks(BlockingCollection<TokenChunk> queue, ChunkProducer producer, CancellationToken cancellationToken)
        {
            lock (_run._skipLock)
            {
                while (Volatile.Read(ref _run._skipChunks) > 0 && queue.TryTake(out var chunk, Timeout.Infinite, cancellationToken))
                {
                    producer.Recycle(chunk);
                    Interlocked.Decrement(ref _run._skipChunks);
                }
            }
        }

        private void FlushWords()
        {
            Interlocked.Add(ref _run._wordsDone, Scratch.PendingWords);
            Volatile.Write(ref Scratch.PendingWords, 0);
        }

        private void TrainChunk<TObjective>(ref TObjective objective, TokenChunk chunk) where TObjective : struct, IObjective
        {
            var run = _run;
            chunk.Resolve(run._vocabulary);
            var o = run._o;
            ref var scratch = ref Scratch;
            float* input = Word2VecModel.Pointer(run._model.Input);
            int dim = o.Dim, window = o.Window;
            bool skipGram = o.Model == ModelKind.SkipGram;
            float alpha = run.CurrentAlpha(Interlocked.Read(ref run._wordsDone) + scratch.PendingWords);
            long sinceAlpha = 0;
            fixed (uint* keep = run._keepThreshold)
            fixed (int* tokens = chunk.Tokens)
            fixed (int* sentence = _sentence)
            {
                int begin = 0;
                for (int s = 0; s < chunk.SentenceCount; s++)
                {
                    int end = chunk.SentenceEnds[s];
                    // Subsampling, drawn afresh each epoch, before windowing (so windows reach further).
                    int length = 0;
                    for (int i = begin; i < end; i++)
                    {
                        int w = tokens[i];
                        if (scratch.Random.NextUInt32() <= keep[w]) sentence[length++] = w;
                    }
                    if (skipGram) SkipGramTrainer.TrainSentence(ref objective, input, dim, window, sentence, length, alpha, ref scratch);
                    else CbowTrainer.TrainSentence(ref objective, input, dim, window, o.CbowMean, sentence, length, alpha, ref scratch);
                    scratch.TrainedWords += length;
                    Volatile.Write(ref scratch.PendingWords, scratch.PendingWords + end - begin);
                    sinceAlpha += end - begin;
                    scratch.SinceMerge += end - begin;
                    begin = end;
                    if (scratch.SinceMerge >= o.HotRowMergeWords) MergeHotRows();
                    if (sinceAlpha >= AlphaUpdateWords)
                    {
                        FlushWords();
                        sinceAlpha = 0;
                        alpha = run.CurrentAlpha(Interlocked.Read(ref run._wordsDone));
                    }
                }
            }
        }

        private void MergeHotRows()
        {
            _hotTree?.Merge();
            _hotNoise?.Merge();
            Scratch.SinceMerge = 0;
        }

        public void Dispose()
        {
            _hotTree?.Dispose();
            _hotNoise?.Dispose();
            if (_scratch == null) return;
            NativeMemory.AlignedFree(_scratch->Hidden);
            NativeMemory.AlignedFree(_scratch->Grad);
            NativeMemory.AlignedFree(_scratch);
            _scratch = null;
        }
    }
}

/// <summary>word2vec's subsampling of frequent words.</summary>
public static class Subsampling
{
    /// <summary>Probability of keeping one occurrence of a word of frequency f = count/total: sqrt(t/f) + t/f, at most 1.</summary>
    public static double KeepProbability(long count, long total, double sample)
    {
        if (sample <= 0) return 1;
        double ratio = sample * total / count;  // t / f
        return Math.Min(1, Math.Sqrt(ratio) + ratio);
    }

    /// <summary>The keep probability of every word of a vocabulary's counts.</summary>
    internal static double[] KeepProbabilities(ReadOnlySpan<long> counts, double sample)
    {
        long total = 0;
        foreach (long c in counts) total += c;
        var result = new double[counts.Length];
        for (int i = 0; i < counts.Length; i++) result[i] = KeepProbability(counts[i], total, sample);
        return result;
    }
}
