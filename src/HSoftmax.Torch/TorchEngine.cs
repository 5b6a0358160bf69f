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
    /// <summary>count^<see cref="TrainingOptions.NegativeExponent"/> (0.75 by default), the negative-sampling noise.</summary>
    Unigram,
}

/// <summary>Settings of the TorchSharp engine beside the shared <see cref="TrainingOptions"/>.</summary>
public sealed record TorchOptions
{
    /// <summary>cpu, cuda, cuda:N or auto (CUDA where libtorch reports it).</summary>
    public string Device { get; init; } = "auto";
    /// <summary>
    /// Predictions per SGD step (skip-gram pairs or CBOW centre words); 0 picks 4,096 on every device.
    /// Larger batches train worse, not just differently: their updates are staler, and a row touched
    /// thousands of times in one step overshoots (<c>tools/results/design-notes.md</c>).
    /// </summary>
    public int Batch { get; init; }
    /// <summary>Sampled softmax: candidates drawn per step, shared by the batch.</summary>
    public int Samples { get; init; } = 1024;
    /// <summary>Sampled softmax: the distribution candidates are drawn from; log-uniform by default.</summary>
    public SampledProposal Proposal { get; init; } = SampledProposal.LogUniform;
    /// <summary>
    /// A row touched c times in one step moves by the sum of its c updates times min(1, RowCap / c): at
    /// most RowCap SGD steps per batch; 0 for no cap (the plain sum). The updates of a batch are computed
    /// at the same, stale point; for a row that takes thousands of them (the tree's root, a frequent
    /// word) their sum overshoots and diverges once the vectors grow (c x alpha x |h|^2 / 4 well above 2),
    /// while rows touched a few times (most words: about 2 x window pairs each) move as in sequential SGD.
    /// </summary>
    public int RowCap { get; init; } = 64;

    /// <summary>
    /// Lets the engine change process-wide settings: libtorch's CPU thread count (set to
    /// <see cref="TrainingOptions.Threads"/>) and glibc's heap, which then keeps freed memory (see NativeHeap).
    /// Off by default, as a library should leave its caller's process alone; the command-line tool turns it on.
    /// </summary>
    public bool TuneProcess { get; init; }

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Batch < 0 || Batch > 1 << 24) throw new InvalidOptionException(nameof(Batch), $"must be in 1..16777216 (or 0 for the device's default), got {Batch}");
        if (RowCap < 0) throw new InvalidOptionException(nameof(RowCap), $"must be 0 (no cap) or positive, got {RowCap}");
        if (Samples is < 1 or > 1 << 20) throw new InvalidOptionException(nameof(Samples), $"must be in 1..1048576, got {Samples}");
    }
}

/// <summary>
/// The batched engine: the same plan (vocabulary, Huffman tree, subsampling, noise) and learning-rate
/// schedule as <see cref="CpuEngine"/>, with each SGD step taken over a batch of predictions by libtorch on
/// the CPU or a CUDA device. The one engine for sampled and full softmax.
/// </summary>
/// <remarks>
/// The host reads and looks up words (<see cref="WordIdReader"/>, overlapping the device); the device
/// receives only word ids and sentence numbers and does subsampling, windowing, the objective and the
/// updates. Updates are plain SGD with index_add_ on each chunk's shuffled pairs, a row's updates in one
/// batch summed up to <see cref="TorchOptions.RowCap"/> steps.
/// Every step runs inside a dispose scope: libtorch memory is invisible to the .NET GC.
/// </remarks>
public sealed class TorchEngine : ITrainingEngine
{
    private readonly TorchOptions _torch;
    private readonly ILogger _logger;
    private readonly Device _device;
    private readonly string _deviceNote;

    /// <summary>Resolves the device now, so that a missing CUDA device or libtorch is reported before any work.</summary>
    /// <param name="torchOptions">The engine's own settings; checked here.</param>
    /// <param name="logger">Receives the engine's log lines; null for none.</param>
    /// <exception cref="InvalidOptionException">A setting in <paramref name="torchOptions"/> is out of range, or CUDA is asked for and libtorch reports none.</exception>
    public TorchEngine(TorchOptions torchOptions, ILogger? logger = null)
    {
        torchOptions.Validate();
        _torch = torchOptions;
        _logger = logger ?? NullLogger.Instance;
        _device = TorchDevice.Resolve(torchOptions.Device, out _deviceNote);
    }

    /// <summary>"torch": hierarchical softmax, negative sampling, sampled and full softmax; does not resume from checkpoints.</summary>
    public EngineCapabilities Capabilities { get; } = new("torch",
        [LossKind.HierarchicalSoftmax, LossKind.NegativeSampling, LossKind.SampledSoftmax, LossKind.Softmax], Resumes: false);

    /// <summary>
    /// Draws from the device's default generator even on the CPU, as every CUDA run does (see
    /// TorchDevice.CreateGenerator): the tests run the CUDA path's arithmetic with it.
    /// </summary>
    internal bool DeviceDefaultGenerator { get; init; }

    /// <summary>Called after every step with the number of steps so far (tests watch memory with it).</summary>
    internal Action<long>? StepObserver { get; init; }

    /// <inheritdoc/>
    /// <exception cref="InsufficientMemoryException">The weights and their host copy do not fit in the memory available now.</exception>
    public TrainingResult Train(TrainingPlan plan, CorpusReader corpus, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Capabilities.Check(plan);
        var o = plan.Options;
        var vocabulary = plan.Vocabulary;
        var device = _device;
        if (device.type == DeviceType.CPU && _torch.TuneProcess)
        {
            set_num_threads(o.Threads);
            if (!NativeHeap.KeepFreedMemory())
                _logger.LogInformation("The C heap's settings could not be changed (not glibc?): steps may pay page faults on their large tensors");
        }
        var libtorch = LibTorchInfo.Read(askCudaDriver: device.type == DeviceType.CUDA);
        _logger.LogInformation("libtorch {Version} at {Path}", libtorch.LoadedVersion ?? "(version unknown)", libtorch.LoadedPath ?? "?");
        if (libtorch.Mismatch is { } mismatch) _logger.LogWarning("{Mismatch}", mismatch);
        int batch = _torch.Batch > 0 ? _torch.Batch : 4096;
        _logger.LogInformation("TorchSharp engine on {Device}; batch {Batch:N0} predictions per step, row cap {Cap}", _deviceNote, batch,
            _torch.RowCap == 0 ? "none" : _torch.RowCap.ToString(System.Globalization.CultureInfo.InvariantCulture));

        bool hs = o.Loss == LossKind.HierarchicalSoftmax;
        var tree = plan.Tree;
        if (o.Loss == LossKind.Softmax) CheckLogitsFit(vocabulary.Count, "words", batch, device);
        if (o.Loss == LossKind.SampledSoftmax)
        {
            if (_torch.Samples >= vocabulary.Count)
                throw new InvalidOptionException(nameof(TorchOptions.Samples), $"{_torch.Samples:N0} candidates are not fewer than the vocabulary's {vocabulary.Count:N0} words; draw fewer, or use the full softmax, which is exact");
            CheckLogitsFit(_torch.Samples, "candidates", batch, device);
        }
        // The matrices on the device, their host copy (initial values in, vectors out) and, for
        // hierarchical softmax, the [V, depth] path table (int32 nodes, float labels).
        long matrices = plan.WeightBytes;
        long paths = tree is null ? 0 : 8L * vocabulary.Count * tree.MaxDepth;
        long hostBytes = device.type == DeviceType.CPU ? 2 * matrices + paths : matrices;
        _logger.LogInformation("Weights: {Words:N0} x {Dim}, {Matrices:N0} MB on the device, {Paths:N0} MB of paths; {Host:N0} MB of host memory",
            vocabulary.Count, o.Dim, matrices / 1048576.0, paths / 1048576.0, hostBytes / 1048576.0);
        plan.EnsureHostMemory(hostBytes, "the torch engine's weights and their host copy");

        // The same initial weights as the CPU engine for the same seed (or a continued model's).
        var model = plan.CreateModel();
        var inputRows = ArrayOf(model.Input);
        var outputRows = ArrayOf(hs ? model.TreeOutput : model.NoiseOutput);
        using var generator = DeviceDefaultGenerator ? null : TorchDevice.CreateGenerator(device, o.Seed, seedDeviceDefault: _torch.TuneProcess);
        if (generator is null && !_torch.TuneProcess)
            _logger.LogInformation("Random draws on {Device} come from the device's default generator, not seeded: set TorchOptions.TuneProcess to seed it", _deviceNote);
        using var noGrad = no_grad();
        using var input = tensor(inputRows, [vocabulary.Count, o.Dim], device: device);
        using var output = tensor(outputRows, [outputRows.Length / o.Dim, o.Dim], device: device);
        using var objective = CreateObjective(plan, _torch, output, generator, device);
        objective.RowCap = _torch.RowCap;
        using var windows = new DeviceWindows(plan.KeepProbabilities.ToArray(), o.Window, generator, device);

        var monitor = new TrainingMonitor(plan, corpus, progress, _logger);
        var run = new Run(this, plan, monitor, input, objective, windows, batch, device, generator);
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
            run.Epoch(corpus, epoch, cancellationToken);

        CopyOut(input, inputRows);
        CopyOut(output, outputRows);
        return monitor.Finish(model);
    }

    internal static TorchObjective CreateObjective(TrainingPlan plan, TorchOptions t, Tensor output, Generator? generator, Device device)
    {
        var o = plan.Options;
        return o.Loss switch
        {
            LossKind.HierarchicalSoftmax => new HierarchicalSoftmaxLoss(output, plan.Tree!, device),
            LossKind.NegativeSampling => new NegativeSamplingLoss(output, o.Negative, new DeviceSampler(plan.Noise!, generator, device)),
            LossKind.SampledSoftmax => new SampledSoftmaxLoss(output, t.Samples, t.Proposal,
                t.Proposal == SampledProposal.Unigram ? new DeviceSampler(plan.Noise ?? NoiseDistribution.FromCounts(plan.Vocabulary.Counts, o.NegativeExponent), generator, device) : null,
                plan.Vocabulary.Counts, o.NegativeExponent, generator),
            LossKind.Softmax => new FullSoftmaxLoss(output),
            _ => throw new InvalidOptionException(nameof(TrainingOptions.Loss), $"{o.Loss} is not a TorchSharp objective"),
        };
    }

    private static void CheckLogitsFit(int columns, string of, int batch, Device device)
    {
        // Logits, their softmax and the gradient: three [batch, columns] float matrices. Host memory is
        // checked against half of what is available; a device's against 8 GB, which every CUDA card has.
        double bytes = 3.0 * 4 * columns * batch;
        double available = device.type == DeviceType.CPU ? AvailableMemory.Bytes() / 2.0 : 8.0 * (1L << 30);
        if (bytes > available || (long)columns * batch > int.MaxValue)
            throw new InvalidOptionException(nameof(TorchOptions.Batch),
                $"a step needs {bytes / 1048576:N0} MB of logits ({batch:N0} x {columns:N0} {of}) but at most {available / 1048576:N0} MB may be used; make the batch or the samples smaller, raise the minimum count, or use hierarchical softmax or negative sampling");
    }

    /// <summary>The array behind a model's matrix: TorchSharp copies from and to whole arrays.</summary>
    internal static float[] ArrayOf(Memory<float> rows) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray<float>(rows, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array : throw new InvalidOperationException("a model's matrix is not a whole array");

    private static void CopyOut(Tensor source, float[] destination)
    {
        // Each intermediate held by a using: one made inline could be finalized while libtorch reads it.
        using var host = source.to(CPU);
        using var cpu = host.contiguous();
        cpu.data<float>().CopyTo(destination, 0);
    }

    /// <summary>One training run's loop: host stages, device steps, progress.</summary>
    private sealed class Run(TorchEngine owner, TrainingPlan plan, TrainingMonitor monitor, Tensor input, TorchObjective objective, DeviceWindows windows,
        int batch, Device device, Generator? generator)
    {
        private readonly TrainingOptions _o = plan.Options;
        private long _wordsDone;
        private long _steps;
        // The host copy of a chunk's words and sentence numbers: TorchSharp copies whole arrays only.
        private int[] _words = [], _sentences = [];

        public void Epoch(CorpusReader corpus, int epoch, CancellationToken cancellationToken)
        {
            monitor.StartEpoch(_wordsDone);
            var waiting = TimeSpan.Zero;
            long doneAtStart = _wordsDone, trained = 0, predictions = 0;
            using var lossSum = zeros(1, dtype: ScalarType.Float64, device: device);
            var lastCheck = monitor.Elapsed;
            using var stream = WordIdReader.ReadEpoch(corpus, plan.Vocabulary, _o.Threads + 2, cancellationToken);
            while (true)
            {
                var waitStart = monitor.Elapsed;
                if (!stream.TryTake(out var chunk, cancellationToken)) break;
                waiting += monitor.Elapsed - waitStart;
                int count = Fill(chunk);
                stream.Recycle(chunk);
                float alpha = plan.AlphaAt(_wordsDone);
                using (var scope = NewDisposeScope())
                {
                    // Whole arrays copied, then the filled part taken: no managed copy per chunk.
                    var words = tensor(_words, device: device).narrow(0, 0, count).to_type(ScalarType.Int64);
                    var sentences = tensor(_sentences, device: device).narrow(0, 0, count);
                    (words, sentences) = windows.Subsample(words, sentences);
                    trained += words.shape[0];
                    predictions += _o.Model == ModelKind.SkipGram
                        ? TrainSkipGram(windows.SkipGram(words, sentences), alpha, lossSum)
                        : TrainCbow(windows.Cbow(words, sentences, input.dtype), alpha, lossSum);
                }
                _wordsDone += count;  // corpus words before subsampling: the learning-rate clock
                if ((monitor.Elapsed - lastCheck).TotalSeconds < 1) continue;
                // Reading the loss waits for the device: once a second, not every step.
                lastCheck = monitor.Elapsed;
                if (monitor.Running(epoch, _wordsDone, predictions > 0 ? lossSum.item<double>() / predictions : 0) is { } diverged) throw diverged;
            }
            var divergence = CheckFinite(input, "input", epoch) ?? CheckFinite(objective.Output, "output", epoch);
            if (divergence is not null) throw divergence;
            monitor.EndEpoch(epoch, _wordsDone, predictions > 0 ? lossSum.item<double>() / predictions : 0, _wordsDone - doneAtStart, trained, predictions,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; {_steps:N0} steps so far, {waiting.TotalSeconds:F1} s of the epoch waiting for the host"));
        }

        /// <summary>Copies a chunk's word ids, and each word's sentence number, into the host arrays; returns the count.</summary>
        private int Fill(WordIdChunk chunk)
        {
            if (_words.Length < chunk.Capacity) { _words = new int[chunk.Capacity]; _sentences = new int[chunk.Capacity]; }
            chunk.Words.CopyTo(_words);
            int begin = 0, s = 0;
            foreach (int end in chunk.SentenceEnds)
            {
                _sentences.AsSpan(begin, end - begin).Fill(s++);
                begin = end;
            }
            return chunk.Words.Length;
        }

        private TrainingDivergedException? CheckFinite(Tensor weights, string name, int epoch)
        {
            using var finite = weights.isfinite();
            using var all = finite.all();
            return all.item<bool>() ? null : monitor.NonFiniteWeights(name, epoch, _wordsDone);
        }

        private long TrainSkipGram(SkipGramPairs pairs, float alpha, Tensor lossSum)
        {
            // In corpus order a batch holds each centre word's whole window (the same path or noise rows
            // about 2 x window times) and each context word's neighbours: shuffled across the chunk, a
            // batch's updates fall on more distinct rows and are less stale, and analogies came out
            // better (tools/results/design-notes.md).
            var order = randperm(pairs.Count, device: device, generator: generator);
            var contexts = pairs.Contexts.index_select(0, order);
            var centres = pairs.Centres.index_select(0, order);
            return InBatches(pairs.Count, lossSum, (from, n) =>
                BatchSteps.SkipGram(input, objective, contexts.narrow(0, from, n), centres.narrow(0, from, n), alpha));
        }

        private long TrainCbow(CbowBags bags, float alpha, Tensor lossSum)
        {
            var order = randperm(bags.Count, device: device, generator: generator);
            var contexts = bags.Contexts.index_select(0, order);
            var mask = bags.Mask.index_select(0, order);
            var centres = bags.Centres.index_select(0, order);
            return InBatches(bags.Count, lossSum, (from, n) =>
                BatchSteps.Cbow(input, objective, contexts.narrow(0, from, n), mask.narrow(0, from, n), centres.narrow(0, from, n),
                    _o.CbowMean, alpha));
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

/// <summary>
/// One SGD step of each model over a batch: the objective's output rows, then the input rows, both capped
/// by the objective's <see cref="TorchObjective.RowCap"/> (the one place the engine sets it).
/// </summary>
internal static class BatchSteps
{
    /// <summary>Skip-gram (word2vec's orientation): each context word's input row predicts its centre word. Returns the loss of each pair.</summary>
    public static Tensor SkipGram(Tensor input, TorchObjective objective, Tensor contexts, Tensor centres, float alpha)
    {
        var hidden = input.index_select(0, contexts);
        var g = objective.Compute(hidden, centres);
        objective.Apply(g, alpha);
        var hiddenGrad = g.HiddenGrad;
        if (objective.RowCap > 0)
            hiddenGrad = hiddenGrad * RowCapping.Scale(contexts, null, input.shape[0], objective.RowCap, hiddenGrad.dtype).unsqueeze(1);
        using var step = (-alpha).ToScalar();
        input.index_add_(0, contexts, hiddenGrad, alpha: step);
        return g.Loss;
    }

    /// <summary>CBOW: the mean (or sum) of the context rows predicts the centre word. Returns the loss of each centre word.</summary>
    public static Tensor Cbow(Tensor input, TorchObjective objective, Tensor contexts, Tensor mask, Tensor centres, bool mean, float alpha)
    {
        long n = contexts.shape[0], dim = input.shape[1];
        var flat = contexts.reshape(-1);
        var hidden = (input.index_select(0, flat).view(n, -1, dim) * mask.unsqueeze(2)).sum(1);
        if (mean) hidden.div_(mask.sum(1, keepdim: true));
        var g = objective.Compute(hidden, centres);
        objective.Apply(g, alpha);
        // Every context word receives the whole gradient, undivided, as in the word2vec tool.
        var perContext = (g.HiddenGrad.unsqueeze(1) * mask.unsqueeze(2)).view(-1, dim);
        if (objective.RowCap > 0)
            perContext = perContext * RowCapping.Scale(flat, mask.reshape(-1), input.shape[0], objective.RowCap, perContext.dtype).unsqueeze(1);
        using var step = (-alpha).ToScalar();
        input.index_add_(0, flat, perContext, alpha: step);
        return g.Loss;
    }
}
