using System.Collections.Concurrent;
using System.Diagnostics;
using HSoftmax.Corpus;
using HSoftmax.Torch.Objectives;
using HSoftmax.Training;
using HSoftmax.Tree;
using HSoftmax.Vectors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace HSoftmax.Torch;

/// <summary>The proposal Q that sampled softmax draws its candidates from.</summary>
public enum SampledProposal
{
    /// <summary>Zipf over frequency rank: Q(r) = log((r + 2) / (r + 1)) / log(V + 1); ids are ranks here.</summary>
    LogUniform,
    /// <summary>count^0.75, the negative-sampling noise.</summary>
    Unigram,
}

/// <summary>Settings of the TorchSharp engine beside the shared <see cref="TrainingOptions"/>.</summary>
public sealed record TorchOptions
{
    /// <summary>cpu, cuda, cuda:N or auto (CUDA where libtorch reports it).</summary>
    public string Device { get; init; } = "auto";
    /// <summary>
    /// Predictions per SGD step (skip-gram pairs or CBOW centre words); 0 picks 4,096 on every device.
    /// Larger batches train worse, not just differently: on 5M enwiki tokens (skip-gram HS) batch 65,536
    /// reached 1.6% analogy with row cap 64 and diverged with cap 1,024, against 6.1% at 4,096.
    /// </summary>
    public int Batch { get; init; }
    /// <summary>Sampled softmax: candidates drawn per step, shared by the batch.</summary>
    public int Samples { get; init; } = 1024;
    public SampledProposal Proposal { get; init; } = SampledProposal.LogUniform;
    /// <summary>
    /// A row touched c times in one step moves by the sum of its c updates times min(1, RowCap / c): at
    /// most RowCap SGD steps per batch; 0 for no cap (the plain sum). The updates of a batch are computed
    /// at the same, stale point; for a row that takes thousands of them (the tree's root, a frequent
    /// word) their sum overshoots and diverges once the vectors grow (c x alpha x |h|^2 / 4 well above 2),
    /// while rows touched a few times (most words: about 2 x window pairs each) move as in sequential SGD.
    /// </summary>
    public int RowCap { get; init; } = 64;

    public void Validate()
    {
        if (Batch < 0 || Batch > 1 << 24) throw new ArgumentException($"--batch: must be in 1..16777216 (or 0 for the device's default), got {Batch}");
        if (RowCap < 0) throw new ArgumentException($"--row-cap: must be 0 (no cap) or positive, got {RowCap}");
        if (Samples is < 1 or > 1 << 20) throw new ArgumentException($"--samples: must be in 1..1048576, got {Samples}");
    }
}

/// <summary>
/// The batched engine: the same corpus reader, vocabulary, Huffman tree, subsampling, window and
/// learning-rate schedule as <see cref="CpuTrainer"/>, with each SGD step taken over a batch of
/// predictions by libtorch on the CPU or a CUDA device. Returns the same <see cref="TrainingResult"/>.
/// </summary>
/// <remarks>
/// The host reads and looks up words (two threads, overlapping the device); the device receives only word
/// ids and sentence numbers and does subsampling, windowing, the objective and the updates. Updates are
/// plain SGD with index_add_ on each chunk's shuffled pairs, a row's updates in one batch summed up to
/// <see cref="TorchOptions.RowCap"/> steps.
/// Every step runs inside a dispose scope: libtorch memory is invisible to the .NET GC.
/// </remarks>
public sealed class TorchTrainer
{
    private readonly TrainingOptions _options;
    private readonly TorchOptions _torch;
    private readonly ILogger _logger;

    public TorchTrainer(TrainingOptions options, TorchOptions torchOptions, ILogger? logger = null)
    {
        options.Validate();
        torchOptions.Validate();
        if (options.Loss == (LossKind.HierarchicalSoftmax | LossKind.NegativeSampling))
            throw new ArgumentException("--loss: the TorchSharp engine trains one objective at a time (hs, ns, sampled or softmax); hs+ns is a CPU-engine option");
        _options = options;
        _torch = torchOptions;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Called after every step with the number of steps so far (tests watch memory with it).</summary>
    internal Action<long>? StepObserver { get; init; }

    public TrainingResult Train(CorpusReader corpus, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var vocabulary = CpuTrainer.CountVocabulary(corpus, _options, _logger, out var stats, cancellationToken);
        return Train(corpus, vocabulary, progress, cancellationToken) with { VocabularyStats = stats };
    }

    public TrainingResult Train(CorpusReader corpus, Vocabulary vocabulary, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var o = _options;
        var device = TorchDevice.Resolve(_torch.Device, out string note);
        if (device.type == DeviceType.CPU)
        {
            set_num_threads(o.Threads);
            NativeHeap.KeepFreedMemory();
        }
        int batch = _torch.Batch > 0 ? _torch.Batch : 4096;
        _logger.LogInformation("TorchSharp engine on {Device}; batch {Batch:N0} predictions per step, row cap {Cap}", note, batch,
            _torch.RowCap == 0 ? "none" : _torch.RowCap.ToString(System.Globalization.CultureInfo.InvariantCulture));

        bool hs = o.Loss == LossKind.HierarchicalSoftmax;
        var keepProbabilities = Subsampling.KeepProbabilities(vocabulary.Counts, o.Sample);
        HuffmanTree? tree = hs ? CpuTrainer.BuildTree(vocabulary, keepProbabilities, _logger) : null;
        if (o.Loss == LossKind.Softmax) CheckLogitsFit("--loss softmax", vocabulary.Count, "words", batch, device);
        if (o.Loss == LossKind.SampledSoftmax)
        {
            if (_torch.Samples >= vocabulary.Count)
                throw new ArgumentException($"--samples: {_torch.Samples:N0} candidates are not fewer than the vocabulary's {vocabulary.Count:N0} words; lower --samples, or use --loss softmax, which is exact");
            CheckLogitsFit("--loss sampled", _torch.Samples, "candidates", batch, device);
        }
        // The matrices on the device, their host copy (initial values in, vectors out) and, for
        // hierarchical softmax, the [V, depth] path table (int32 nodes, float labels).
        long matrices = Word2VecModel.EstimateBytes(vocabulary.Count, o.Dim, hs, !hs);
        long paths = tree is null ? 0 : 8L * vocabulary.Count * tree.MaxDepth;
        long available = AvailableMemory.Bytes();
        long hostBytes = device.type == DeviceType.CPU ? 2 * matrices + paths : matrices;
        _logger.LogInformation("Weights: {Words:N0} x {Dim}, {Matrices:N0} MB on the device, {Paths:N0} MB of paths; {Host:N0} MB of host memory of {Available:N0} MB available",
            vocabulary.Count, o.Dim, matrices / 1048576.0, paths / 1048576.0, hostBytes / 1048576.0, available / 1048576.0);
        if (hostBytes > available)
            throw new InsufficientMemoryException(
                $"the torch engine needs {hostBytes / 1048576.0:N0} MB of host memory ({vocabulary.Count:N0} words x {o.Dim} dims) but only {available / 1048576.0:N0} MB are available; lower --dim, raise --min-count or set --max-vocab");

        // The same initial weights as the CPU engine for the same seed.
        var model = new Word2VecModel(vocabulary.Count, o.Dim, hs, !hs);
        model.Initialise(o.Seed);
        using var generator = new Generator(o.Seed, device);
        using var noGrad = no_grad();
        using var input = tensor(model.Input, [vocabulary.Count, o.Dim], device: device);
        using var output = zeros([hs ? Math.Max(1, vocabulary.Count - 1) : vocabulary.Count, o.Dim], device: device);
        using var objective = CreateObjective(o, _torch, output, tree, vocabulary, generator, device);
        objective.RowCap = _torch.RowCap;
        using var windows = new DeviceWindows(keepProbabilities, o.Window, generator, device);

        var run = new Run(this, vocabulary, input, objective, windows, batch, device, generator, progress);
        var epochs = new List<EpochSummary>();
        var clock = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
            epochs.Add(run.Epoch(corpus, epoch, cancellationToken));
        clock.Stop();

        CopyOut(input, model.Input);
        CopyOut(output, hs ? model.TreeOutput! : model.NoiseOutput!);
        var vectors = new WordVectors(vocabulary.Words, model.Input, o.Dim);
        return new TrainingResult(vectors, vocabulary, tree, model, null, epochs, clock.Elapsed);
    }

    internal static TorchObjective CreateObjective(TrainingOptions o, TorchOptions t, Tensor output, HuffmanTree? tree, Vocabulary vocabulary,
        Generator generator, Device device) => o.Loss switch
    {
        LossKind.HierarchicalSoftmax => new HierarchicalSoftmaxLoss(output, tree!, device),
        LossKind.NegativeSampling => new NegativeSamplingLoss(output, o.Negative,
            new DeviceSampler(AliasSampler.ForNegatives(vocabulary.Counts, o.NegativeExponent), generator, device)),
        LossKind.SampledSoftmax => new SampledSoftmaxLoss(output, t.Samples, t.Proposal,
            t.Proposal == SampledProposal.Unigram ? new DeviceSampler(AliasSampler.ForNegatives(vocabulary.Counts, o.NegativeExponent), generator, device) : null,
            vocabulary.Counts, o.NegativeExponent, generator),
        LossKind.Softmax => new FullSoftmaxLoss(output),
        _ => throw new ArgumentException($"--loss: {o.Loss} is not a TorchSharp objective"),
    };

    private static void CheckLogitsFit(string what, int columns, string of, int batch, Device device)
    {
        // Logits, their softmax and the gradient: three [batch, columns] float matrices.
        double bytes = 3.0 * 4 * columns * batch;
        double available = device.type == DeviceType.CPU ? AvailableMemory.Bytes() / 2.0 : 8.0 * (1L << 30);
        if (bytes > available || (long)columns * batch > int.MaxValue)
            throw new ArgumentException(
                $"{what}: a step needs {bytes / 1048576:N0} MB of logits ({batch:N0} x {columns:N0} {of}) but at most {available / 1048576:N0} MB may be used; lower --batch or --samples, raise --min-count, or use hs or ns");
    }

    private static void CopyOut(Tensor source, float[] destination)
    {
        // Each intermediate held by a using: one made inline could be finalized while libtorch reads it.
        using var host = source.to(CPU);
        using var cpu = host.contiguous();
        cpu.data<float>().CopyTo(destination, 0);
    }

    /// <summary>One training run's loop: host stages, device steps, progress.</summary>
    private sealed class Run(TorchTrainer owner, Vocabulary vocabulary, Tensor input, TorchObjective objective, DeviceWindows windows,
        int batch, Device device, Generator generator, IProgress<TrainingProgress>? progress)
    {
        private readonly TrainingOptions _o = owner._options;
        private readonly long _totalWords = vocabulary.TotalCount * owner._options.Epochs;
        private readonly Stopwatch _clock = new();
        private readonly DivergenceGuard _guard = new(owner._options);
        private long _wordsDone;
        private long _steps;
        private TimeSpan _waiting;

        public EpochSummary Epoch(CorpusReader corpus, int epoch, CancellationToken cancellationToken)
        {
            _clock.Start();
            var start = _clock.Elapsed;
            _waiting = TimeSpan.Zero;
            long doneAtStart = _wordsDone, trained = 0, predictions = 0;
            using var lossSum = zeros(1, dtype: ScalarType.Float64, device: device);
            var lastReport = _clock.Elapsed;
            long lastWords = _wordsDone;

            using var feed = new HostFeed(corpus, vocabulary, _o.Threads + 2);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var stages = feed.Start(linked.Token);
            try
            {
                while (true)
                {
                    var waitStart = _clock.Elapsed;
                    if (!feed.TryTake(out var chunk, linked.Token)) break;
                    _waiting += _clock.Elapsed - waitStart;
                    int count = chunk.Count;  // read before the chunk goes back to the host stage
                    float alpha = _o.AlphaAt(_wordsDone, _totalWords);
                    using (var scope = NewDisposeScope())
                    {
                        // TorchSharp copies whole arrays only: copy the chunk's arrays, then take the filled part
                        // (no managed copy per chunk).
                        var words = tensor(chunk.Words, device: device).narrow(0, 0, count).to_type(ScalarType.Int64);
                        var sentences = tensor(chunk.Sentences, device: device).narrow(0, 0, count);
                        feed.Recycle(chunk);
                        (words, sentences) = windows.Subsample(words, sentences);
                        trained += words.shape[0];
                        predictions += _o.Model == ModelKind.SkipGram
                            ? TrainSkipGram(windows.SkipGram(words, sentences), alpha, lossSum)
                            : TrainCbow(windows.Cbow(words, sentences, input.dtype), alpha, lossSum);
                    }
                    _wordsDone += count;  // corpus words before subsampling: the learning-rate clock
                    if ((_clock.Elapsed - lastReport).TotalSeconds >= 1)
                    {
                        var now = _clock.Elapsed;
                        double rate = (_wordsDone - lastWords) / (now - lastReport).TotalSeconds;
                        lastReport = now; lastWords = _wordsDone;
                        double loss = predictions > 0 ? lossSum.item<double>() / predictions : 0;
                        if (_guard.CheckLoss(loss, epoch, Fraction) is { } diverged) throw diverged;
                        progress?.Report(new TrainingProgress(epoch, _o.Epochs, _wordsDone, _totalWords, _o.AlphaAt(_wordsDone, _totalWords), rate, loss, now));
                    }
                }
            }
            catch
            {
                linked.Cancel();
                throw;
            }
            finally
            {
                try { Task.WaitAll(stages); }
                catch (AggregateException) when (linked.IsCancellationRequested) { }
            }
            feed.ThrowIfFailed();
            cancellationToken.ThrowIfCancellationRequested();
            _clock.Stop();

            if (_wordsDone == doneAtStart) throw TrainingRun.NothingTrained(corpus, vocabulary);
            double meanLoss = predictions > 0 ? lossSum.item<double>() / predictions : 0;
            var divergence = _guard.CheckLoss(meanLoss, epoch, Fraction) ?? CheckFinite(input, "input", epoch) ?? CheckFinite(objective.Output, "output", epoch);
            if (divergence is not null) throw divergence;
            _guard.EpochDone(meanLoss);
            var summary = new EpochSummary(epoch, meanLoss, _wordsDone - doneAtStart, trained, predictions, _clock.Elapsed - start);
            owner._logger.LogInformation("Epoch {Epoch}/{Epochs}: loss {Loss:F4}, {Words:N0} words ({Trained:N0} after subsampling), {Rate:N0} words/s; {Steps:N0} steps so far, {Waiting:F1} s of the epoch waiting for the host",
                epoch, _o.Epochs, summary.Loss, summary.Words, summary.TrainedWords, summary.WordsPerSecond, _steps, _waiting.TotalSeconds);
            return summary;
        }

        private double Fraction => _totalWords == 0 ? 1 : Math.Min(1, (double)_wordsDone / _totalWords);

        private TrainingDivergedException? CheckFinite(Tensor weights, string name, int epoch)
        {
            using var finite = weights.isfinite();
            using var all = finite.all();
            return all.item<bool>() ? null : _guard.NonFiniteWeights(name, epoch, Fraction);
        }

        private long TrainSkipGram(SkipGramPairs pairs, float alpha, Tensor lossSum)
        {
            // In corpus order a batch holds each centre word's whole window (the same path or noise rows
            // about 2 x window times) and each context word's neighbours: shuffled across the chunk, a
            // batch's updates fall on more distinct rows and are less stale. Measured on 5M enwiki tokens
            // (skip-gram HS, batch 4,096, row cap 64): analogy 5.3% in order, 6.1% shuffled; CPU engine 6.4%.
            var order = randperm(pairs.Count, device: device, generator: generator);
            var contexts = pairs.Contexts.index_select(0, order);
            var centres = pairs.Centres.index_select(0, order);
            return InBatches(pairs.Count, lossSum, (from, n) =>
                BatchSteps.SkipGram(input, objective, contexts.narrow(0, from, n), centres.narrow(0, from, n), alpha, owner._torch.RowCap));
        }

        private long TrainCbow(CbowBags bags, float alpha, Tensor lossSum)
        {
            var order = randperm(bags.Count, device: device, generator: generator);
            var contexts = bags.Contexts.index_select(0, order);
            var mask = bags.Mask.index_select(0, order);
            var centres = bags.Centres.index_select(0, order);
            return InBatches(bags.Count, lossSum, (from, n) =>
                BatchSteps.Cbow(input, objective, contexts.narrow(0, from, n), mask.narrow(0, from, n), centres.narrow(0, from, n),
                    _o.CbowMean, alpha, owner._torch.RowCap));
        }

        /// <summary>Runs <paramref name="step"/> over [from, from + n) slices of <paramref name="count"/> predictions, each in its own dispose scope.</summary>
        private long InBatches(long count, Tensor lossSum, Func<long, long, Tensor> step)
        {
            for (long from = 0; from < count; from += batch)
            {
                using var scope = NewDisposeScope();
                var loss = step(from, Math.Min(batch, count - from));
                lossSum.add_(loss.sum().to_type(ScalarType.Float64));
                _steps++;
                owner.StepObserver?.Invoke(_steps);
            }
            return count;
        }
    }
}

/// <summary>One SGD step of each model over a batch: the objective's output rows, then the input rows.</summary>
internal static class BatchSteps
{
    /// <summary>Skip-gram (word2vec's orientation): each context word's input row predicts its centre word. Returns the loss of each pair.</summary>
    public static Tensor SkipGram(Tensor input, TorchObjective objective, Tensor contexts, Tensor centres, float alpha, int rowCap)
    {
        var hidden = input.index_select(0, contexts);
        var g = objective.Compute(hidden, centres);
        objective.Apply(g, alpha);
        var hiddenGrad = g.HiddenGrad;
        if (rowCap > 0)
            hiddenGrad = hiddenGrad * RowCapping.Scale(contexts, null, input.shape[0], rowCap, hiddenGrad.dtype).unsqueeze(1);
        using var step = (-alpha).ToScalar();
        input.index_add_(0, contexts, hiddenGrad, alpha: step);
        return g.Loss;
    }

    /// <summary>CBOW: the mean (or sum) of the context rows predicts the centre word. Returns the loss of each centre word.</summary>
    public static Tensor Cbow(Tensor input, TorchObjective objective, Tensor contexts, Tensor mask, Tensor centres, bool mean, float alpha, int rowCap)
    {
        long n = contexts.shape[0], dim = input.shape[1];
        var flat = contexts.reshape(-1);
        var hidden = (input.index_select(0, flat).view(n, -1, dim) * mask.unsqueeze(2)).sum(1);
        if (mean) hidden.div_(mask.sum(1, keepdim: true));
        var g = objective.Compute(hidden, centres);
        objective.Apply(g, alpha);
        // Every context word receives the whole gradient, undivided, as in the word2vec tool.
        var perContext = (g.HiddenGrad.unsqueeze(1) * mask.unsqueeze(2)).view(-1, dim);
        if (rowCap > 0)
            perContext = perContext * RowCapping.Scale(flat, mask.reshape(-1), input.shape[0], rowCap, perContext.dtype).unsqueeze(1);
        using var step = (-alpha).ToScalar();
        input.index_add_(0, flat, perContext, alpha: step);
        return g.Loss;
    }
}
