using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using HSoftmax.Corpus;
using HSoftmax.Distributed;
using HSoftmax.Simd;
using HSoftmax.Tree;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HSoftmax.Training;

/// <summary>
/// The multi-threaded CPU engine: one reader thread streams the corpus, N training threads look the words
/// up and update the shared weights without locks (Hogwild, as the word2vec tool does), but for the rows
/// every thread writes most, which each keeps a private copy of and merges (see SharedHotRows).
/// With one thread and a seed, a run is bit-for-bit repeatable.
/// </summary>
public sealed class CpuEngine(ILogger? logger = null) : ITrainingEngine
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>"cpu": hierarchical softmax, negative sampling and both together; resumes from checkpoints.</summary>
    public EngineCapabilities Capabilities { get; } = new("cpu",
        [LossKind.HierarchicalSoftmax, LossKind.NegativeSampling, LossKind.HierarchicalSoftmaxAndNegativeSampling], Resumes: true);

    /// <summary>Where and how often to write checkpoints (<see cref="ModelFile"/>); null for none.</summary>
    public CheckpointPolicy? Checkpoints { get; init; }

    /// <summary>
    /// Lets the engine run a full, compacting garbage collection before it allocates the weights, so that
    /// the counting pass's tables (every distinct word) and the matrices never add up in the peak. Off by
    /// default: a library should not stop the caller's whole process; the command-line tool turns it on.
    /// </summary>
    public bool CompactHeapFirst { get; init; }

    /// <summary>
    /// Trains as one rank of an MPI job: on this rank's part of the corpus, keeping the weights together
    /// with the other ranks' (see <see cref="DistributedTraining"/>); null to train alone.
    /// </summary>
    public DistributedTraining? Distributed { get; init; }

    /// <inheritdoc/>
    /// <exception cref="InsufficientMemoryException">The weights do not fit in the memory available now.</exception>
    public TrainingResult Train(TrainingPlan plan, CorpusReader corpus, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Capabilities.Check(plan);
        var o = plan.Options;
        if (Distributed is not null && corpus.Share?.Parts != Distributed.Job.Size)
            throw new ArgumentException("a distributed run trains each rank's part of the corpus: pass DistributedTraining.ShareCorpus(corpus)", nameof(corpus));
        if (Distributed is not null && plan.Checkpoint is { Finished: false, ChunksDone: > 0 })
            throw new InvalidOptionException(nameof(TrainingPlan.Checkpoint),
                "the checkpoint stops inside an epoch, where a distributed run's ranks differ; resume it without --distributed, or from a checkpoint written at an epoch's end");
        long bytes = plan.WeightBytes;
        _logger.LogInformation("Weights: {Words:N0} x {Dim} ({Matrices}), {MB:N0} MB",
            plan.Vocabulary.Count, o.Dim, o.UsesTreeOutput && o.UsesWordOutput ? "input, tree, noise" : o.UsesTreeOutput ? "input, tree" : "input, noise", bytes / 1048576.0);
        // A rank keeps each row's value at its last synchronisation too: twice the weights.
        if (plan.Checkpoint is null) plan.EnsureHostMemory(Distributed is null ? bytes : 2 * bytes, Distributed is null ? "the weights" : "the weights and their synchronised copy");
        if (CompactHeapFirst) GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var model = plan.CreateModel();
        int cores = Environment.ProcessorCount;
        if (o.Threads > cores)
            _logger.LogInformation("Threads: {Threads} training threads on {Cores} cores: they take turns, so the vectors are those of {Threads} threads and the speed that of {Cores}",
                o.Threads, cores, o.Threads, cores);
        else
            _logger.LogInformation("Threads: {Threads} training threads on {Cores} cores", o.Threads, cores);

        var monitor = new TrainingMonitor(plan, corpus, progress, _logger);
        var sync = Distributed is null ? null : new ModelSync(Distributed.Job, model, Distributed.SyncWords ?? DistributedTraining.DefaultSyncWords(o.Threads), ModelSync.BaseRows(o.Threads));
        new TrainingRun(plan, model, corpus, monitor, _logger, Checkpoints, sync).Execute(cancellationToken);
        if (sync is not null)
        {
            Distributed!.Rounds = sync.Rounds;
            Distributed.PayloadBytes = sync.PayloadFloats * sizeof(float);
            Distributed.SyncTime = sync.SyncTime;
        }
        return monitor.Finish(model);
    }
}

/// <summary>One training run: shared state of the threads, and the per-epoch loop.</summary>
internal sealed unsafe class TrainingRun
{
    /// <summary>
    /// Words a thread trains between adding them to the shared count and taking the learning rate anew (the
    /// word2vec tool: 10,000). Each thread's unadded words are missing from the others' rates, up to the
    /// threads times this; on a short run that is much of the schedule: skip-gram + NS, 1 epoch of a
    /// 150,000-token corpus, 16 threads ended 5.5% below one thread's loss with 10,000 and 2.8% with 1,024
    /// (tools/results/threads.md). An atomic add every 1,024 words costs nothing measurable.
    /// </summary>
    private const int AlphaUpdateWords = 1_024;

    private readonly TrainingPlan _plan;
    private readonly TrainingOptions _o;
    private readonly Vocabulary _vocabulary;
    private readonly HuffmanTree? _tree;
    private readonly Word2VecModel _model;
    private readonly CorpusReader _corpus;
    private readonly TrainingMonitor _monitor;
    private readonly ILogger _logger;
    private readonly uint[] _keepThreshold;  // keep a token when a uniform 32-bit draw is at most its word's threshold
    private readonly AliasSampler? _noise;
    private readonly CheckpointPolicy? _checkpoints;
    private readonly ModelSync? _sync;  // one rank of several: see ModelSync
    private readonly TrainingCheckpoint? _resume;
    private readonly PauseGate _gate = new();
    private SharedHotRows? _hotTree, _hotNoise;
    private long _wordsDone;
    private long _skipChunks;   // chunks of a resumed epoch that the checkpoint had trained
    private readonly object _skipLock = new();
    private long _chunksDone;   // chunks of this epoch trained (skipped ones included)
    private TimeSpan _lastCheckpointTime;
    private long _lastCheckpointWords;

    public TrainingRun(TrainingPlan plan, Word2VecModel model, CorpusReader corpus, TrainingMonitor monitor, ILogger logger, CheckpointPolicy? checkpoints, ModelSync? sync = null)
    {
        _sync = sync;
        _plan = plan;
        _o = plan.Options; _vocabulary = plan.Vocabulary; _tree = plan.Tree; _model = model; _corpus = corpus;
        _monitor = monitor; _logger = logger;
        _checkpoints = checkpoints;
        _resume = plan.Checkpoint;
        var keep = plan.KeepProbabilities;
        _keepThreshold = new uint[keep.Length];
        for (int w = 0; w < keep.Length; w++) _keepThreshold[w] = FastRandom.ProbabilityThreshold(keep[w]);
        _noise = plan.Noise?.Sampler;
    }

    /// <summary>
    /// Whether threads train on private copies of the hot rows (SharedHotRows): only with several threads,
    /// each of which trains at least <see cref="MinMergesForHotRows"/> merge intervals over the run. The
    /// copies are for speed, a shared cache line being slow to write from many cores; a copy is stale
    /// between merges by up to <see cref="TrainingOptions.HotRowMergeWords"/> words of each thread, which on
    /// a short run is much of the learning-rate schedule. Skip-gram + NS, 1 epoch of a 150,000-token corpus:
    /// one thread's loss 3.424, 2 / 4 / 16 threads 3.666 / 3.691 / 3.710 with private copies (about 7
    /// intervals each at 2 threads), 3.419 / 3.399 / 3.327 without (tools/results/threads.md). Plain
    /// Hogwild, as the word2vec tool runs, is as right at any thread count, only slower where rows are hot.
    /// </summary>
    /// <param name="o">The run's options: its threads and merge interval.</param>
    /// <param name="totalWords">The run's words, every epoch's and every rank's.</param>
    /// <param name="ranks">The processes of a distributed run, 1 alone.</param>
    internal static bool UsesPrivateHotRows(TrainingOptions o, long totalWords, int ranks) =>
        o.Threads > 1 && totalWords / ((long)o.Threads * ranks) >= (long)MinMergesForHotRows * o.HotRowMergeWords;

    /// <summary>Merge intervals each thread must train over a run for private hot rows; see UsesPrivateHotRows.</summary>
    private const int MinMergesForHotRows = 16;

    public void Execute(CancellationToken cancellationToken)
    {
        var workers = new Worker[_o.Threads];
        try
        {
            var objectives = new ObjectiveSet();
            if (_tree is not null)
                objectives.Hs = new HierarchicalSoftmax(new OutputRows(Pinned.Pointer(_model.TreeOutputArray), _o.Dim), Pinned.Pointer(_tree.Links), _tree.WordCount, Sigmoid.Pointers);
            if (_noise is not null)
                objectives.Ns = new NegativeSampling(new OutputRows(Pinned.Pointer(_model.NoiseOutputArray), _o.Dim), _o.Negative, AliasTable.Of(_noise), Sigmoid.Pointers);
            // Private copies of the rows every thread writes most; one thread has nothing to share them with,
            // and a short run has no use for them (see UsesPrivateHotRows).
            if (UsesPrivateHotRows(_o, _plan.TotalWords, _sync?.Job.Size ?? 1))
            {
                // With two threads, the rows below the averaged ones are private too, and summed: see SharedHotRows.
                bool pair = _o.Threads == 2;
                if (_tree is { InnerNodeCount: > 0 } tree && _o.HotTreeRows > 0)
                {
                    int averaged = Math.Min(_o.HotTreeRows, tree.InnerNodeCount);
                    int rows = Math.Min(averaged + (pair ? _o.SummedTreeRows : 0), tree.InnerNodeCount);
                    _hotTree = new SharedHotRows(Pinned.Pointer(_model.TreeOutputArray), tree.InnerNodeCount - rows, rows, _o.Dim, rows - averaged, averaged);
                }
                if (_noise is not null && _o.HotNoiseRows > 0)
                {
                    int averaged = Math.Min(_o.HotNoiseRows, _vocabulary.Count);
                    int rows = Math.Min(averaged + (pair ? _o.SummedNoiseRows : 0), _vocabulary.Count);
                    _hotNoise = new SharedHotRows(Pinned.Pointer(_model.NoiseOutputArray), 0, rows, _o.Dim, 0, averaged);
                }
                if (_hotTree is not null) _sync?.Guard(_model.TreeOutputArray!, _hotTree);
                if (_hotNoise is not null) _sync?.Guard(_model.NoiseOutputArray!, _hotNoise);
            }
            // Each rank of a distributed run draws its own numbers; rank 0 draws those of a run alone.
            ulong rank = (ulong)(_sync?.Job.Rank ?? 0) * 0x9E3779B97F4A7C15UL;
            for (int t = 0; t < workers.Length; t++)
                workers[t] = new Worker(this, t, objectives, new FastRandom((_resume?.Workers[t].Random ?? _o.Seed * 0x100000001B3UL + (ulong)t + 1) ^ rank));

            // Dealt into at least as many chunks as threads, so that every thread has work even on a small corpus.
            using var producer = new ChunkProducer(_corpus, poolSize: 2 * _o.Threads + 2, streams: Math.Max(_o.Streams, _o.Threads));
            int first = 1;
            if (_resume is not null)
            {
                _wordsDone = _lastCheckpointWords = _resume.WordsDone;
                first = _resume.Epoch;
            }
            for (int epoch = first; epoch <= _o.Epochs; epoch++)
                RunEpoch(epoch, workers, producer, epoch == _resume?.Epoch ? _resume : null, cancellationToken);
            if (_checkpoints is not null && _resume?.Finished != true) WriteCheckpoint(_o.Epochs + 1, 0, workers);
        }
        finally
        {
            foreach (var w in workers) w?.Dispose();
        }
    }

    private void RunEpoch(int epoch, Worker[] workers, ChunkProducer producer, TrainingCheckpoint? restore, CancellationToken cancellationToken)
    {
        // Every epoch processes WordsPerEpoch words: a resumed one started that many per epoch before it.
        long doneAtStart = restore is null ? Interlocked.Read(ref _wordsDone) : (epoch - 1) * _plan.WordsPerEpoch;
        _monitor.StartEpoch(Interlocked.Read(ref _wordsDone));
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

        TrainingDivergedException? diverged = null;
        while (!threads.All(th => th.Join(200)))
        {
            try
            {
                if (diverged is null && (diverged = CheckWhileRunning(epoch, workers)) is not null)
                    linked.Cancel();
            }
            catch (Exception e)
            {
                // The caller's progress handler threw: stop the threads and report it once they are joined.
                errors.Enqueue(e);
                linked.Cancel();
            }
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
        }
        // Not the caller's token: the reader stops through the linked one, and must be waited for before the chunks it fills go.
        try { reader.Wait(CancellationToken.None); }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException) { }
        catch (AggregateException e) { errors.Enqueue(e.InnerException!); }
        if (diverged is not null) throw diverged;
        if (!errors.IsEmpty)
        {
            var first = errors.First(e => e is not OperationCanceledException);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
        if (cancellationToken.IsCancellationRequested && _checkpoints is not null && _sync is null)
        {
            // Cancelled threads stop between chunks too: what they did is kept, to be resumed.
            WriteCheckpoint(epoch, Interlocked.Read(ref _chunksDone), workers);
        }
        cancellationToken.ThrowIfCancellationRequested();

        // The epoch's tallies: this rank's, or with other ranks the whole job's, once every row is synchronised.
        double loss = workers.Sum(w => w.Scratch.Loss), examples = workers.Sum(w => w.Scratch.Examples), trained = workers.Sum(w => w.TrainedWords);
        if (_sync is not null)
        {
            Interlocked.Add(ref _wordsDone, _sync.FinishEpoch());
            Span<double> tallies = [loss, examples, trained];
            _sync.Sum(tallies);
            (loss, examples, trained) = (tallies[0], tallies[1], tallies[2]);
        }
        long done = Interlocked.Read(ref _wordsDone);
        diverged = _monitor.CheckWeights(_model.InputArray, "input", epoch, done)
            ?? _monitor.CheckWeights(_model.TreeOutputArray, "tree", epoch, done)
            ?? _monitor.CheckWeights(_model.NoiseOutputArray, "noise", epoch, done);
        if (diverged is not null) throw diverged;
        _monitor.EndEpoch(epoch, done, examples > 0 ? loss / examples : 0, done - doneAtStart, (long)trained, (long)examples);
        // Ranks are equal only at epoch ends: a distributed run's checkpoints are written there (by rank 0).
        if (_sync is not null && _checkpoints is not null && epoch < _o.Epochs) WriteCheckpoint(epoch + 1, 0, workers, freshTallies: true);
    }

    /// <summary>
    /// Made every 200 ms: progress, the divergence check of the running loss and of the rows every
    /// prediction writes (the most frequent words' input rows, the top of the tree, the most frequent noise
    /// rows), where NaN shows first. The whole matrices are checked at the end of each epoch.
    /// </summary>
    private TrainingDivergedException? CheckWhileRunning(int epoch, Worker[] workers)
    {
        long done = Interlocked.Read(ref _wordsDone) + workers.Sum(w => w.PendingWords);
        int head = Math.Min(_vocabulary.Count, SharedHotRows.TreeRows) * _o.Dim;
        return _monitor.Running(epoch, done, MeanLoss(workers))
            ?? _monitor.CheckWeights(_model.InputArray.AsSpan(0, head), "input", epoch, done)
            ?? _monitor.CheckWeights(_model.TreeOutputArray.AsSpan(0, Math.Min(head, _model.TreeOutputArray?.Length ?? 0)), "tree", epoch, done)
            ?? _monitor.CheckWeights(_model.NoiseOutputArray.AsSpan(0, Math.Min(head, _model.NoiseOutputArray?.Length ?? 0)), "noise", epoch, done);
    }

    private bool CheckpointDue()
    {
        if (_checkpoints is null || _sync is not null) return false;
        if (_checkpoints.Every is TimeSpan every && _monitor.Elapsed - _lastCheckpointTime >= every) return true;
        return _checkpoints.EveryWords is long words && Interlocked.Read(ref _wordsDone) - _lastCheckpointWords >= words;
    }

    /// <param name="epoch">The epoch to go on in.</param>
    /// <param name="chunksDone">Its chunks already trained.</param>
    /// <param name="workers">The threads, whose states are kept.</param>
    /// <param name="freshTallies">The checkpoint starts an epoch: the threads' loss and counts start from zero there.</param>
    private void WriteCheckpoint(int epoch, long chunksDone, Worker[] workers, bool freshTallies = false)
    {
        var policy = _checkpoints!;
        var clock = Stopwatch.StartNew();
        var checkpoint = new TrainingCheckpoint
        {
            Options = _o, Inputs = _corpus.Files, Command = policy.Command, Vocabulary = _vocabulary, Model = _model, Tree = _tree, WordsPerEpoch = _plan.WordsPerEpoch,
            Epoch = epoch, ChunksDone = chunksDone, WordsDone = Interlocked.Read(ref _wordsDone),
            Workers = workers.Select(w => freshTallies ? w.State with { Loss = 0, Examples = 0, TrainedWords = 0 } : w.State).ToArray(), FinishedEpochs = _monitor.Epochs.ToArray(),
        };
        ModelFile.Save(checkpoint, policy.Path);
        policy.Written = checkpoint;
        _lastCheckpointTime = _monitor.Elapsed;
        _lastCheckpointWords = checkpoint.WordsDone;
        _logger.LogInformation("Checkpoint: {Path} (epoch {Epoch}, {Words:N0} words) written in {Seconds:F1} s",
            policy.Path, Math.Min(epoch, _o.Epochs), checkpoint.WordsDone, clock.Elapsed.TotalSeconds);
    }

    private static double MeanLoss(Worker[] workers)
    {
        double loss = 0; long n = 0;
        foreach (var w in workers) { loss += w.Scratch.Loss; n += w.Scratch.Examples; }
        return n > 0 ? loss / n : 0;
    }

    private float CurrentAlpha(long done) => _plan.AlphaAt(done);

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
            var hs = o.UsesTreeOutput;
            var ns = o.UsesNegativeSampling;
            bool training = false;
            try
            {
                while (true)
                {
                    // Between two chunks: the safe point where a checkpoint can stop this thread. Its words are
                    // in the shared count already, added at the last chunk's end.
                    _run._gate.Pass(() => { if (training) MergeHotRows(); });
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
                    // The shared count takes the chunk's words now. A chunk shorter than AlphaUpdateWords (a small
                    // corpus dealt to many threads) kept them from the other threads' learning rates until the
                    // epoch's end, so each epoch's rate fell in one step: 64 threads on a 36,000-word corpus
                    // (chunks of about 560 words) ended 1.6% above one thread's loss on average, at most 2.6%
                    // over 12 runs; flushed here, 0.6%, at most 1.6%. One thread's run is unchanged.
                    FlushWords();
                    // The other ranks' words join the count at rounds: the learning rate follows the whole job's words.
                    if (_run._sync is { } sync) Interlocked.Add(ref _run._wordsDone, sync.AfterChunk(chunk.TokenCount));
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
            float* input = Pinned.Pointer(run._model.InputArray);
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
