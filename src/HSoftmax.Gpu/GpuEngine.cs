using System.Globalization;
using HSoftmax.Corpus;
using HSoftmax.Gpu.Kernels;
using HSoftmax.Training;
using ILGPU;
using ILGPU.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HSoftmax.Gpu;

/// <summary>
/// The fused-kernel engine: skip-gram and CBOW with hierarchical softmax, negative sampling or both, one
/// kernel launch per batch of words (<see cref="TrainKernel"/>). The same plan (vocabulary, tree, noise,
/// subsampling, learning-rate schedule, initial weights) as <see cref="CpuEngine"/>.
/// </summary>
/// <remarks>
/// The host reads and looks words up (<see cref="WordIdReader"/>), subsamples them into a batch with each
/// word's sentence number, and sends the batch: 8 bytes per kept word. The kernel does the windows, the
/// objective and every update; the tree's paths, the noise table and the weights stay on the device for
/// the whole run. The host prepares the next batch while the device trains on this one.
/// </remarks>
public sealed class GpuEngine : ITrainingEngine, IDisposable
{
    /// <summary>
    /// Top inner nodes each block keeps in shared memory and merges as the mean of the blocks' changes:
    /// the root and the three nodes below it, which nearly every prediction writes. With the CPU engine's
    /// 64 (and its 16 noise rows) the mean over hundreds of blocks, each of a few hundred words, held rows
    /// back that do not settle in so few words: loss 2 to 8% above sequential SGD, against 0.1% with these
    /// 4 and no noise rows (tools/results/gpu.md).
    /// </summary>
    internal int HotTreeRows { get; init; } = 4;
    /// <summary>Most frequent words' noise rows each block keeps in shared memory; none by default (see <see cref="HotTreeRows"/>).</summary>
    internal int HotNoiseRows { get; init; }

    private readonly GpuOptions _gpu;
    private readonly ILogger _logger;
    private readonly GpuDevice _device;
    private readonly Action<KernelConfig, TrainArgs> _kernel;

    /// <summary>Opens the device now, so that a missing driver or GPU is reported before any work.</summary>
    /// <param name="gpuOptions">The engine's own settings; checked here.</param>
    /// <param name="logger">Receives the engine's log lines; null for none.</param>
    /// <exception cref="InvalidOptionException">A setting in <paramref name="gpuOptions"/> is out of range, or no CUDA driver or device is there.</exception>
    public GpuEngine(GpuOptions gpuOptions, ILogger? logger = null) : this(gpuOptions, logger, null) { }

    internal GpuEngine(GpuOptions gpuOptions, ILogger? logger, CpuAcceleratorShape? cpuShape)
    {
        gpuOptions.Validate();
        _gpu = gpuOptions;
        _logger = logger ?? NullLogger.Instance;
        _device = GpuDevice.Open(gpuOptions.Device, cpuShape);
        try
        {
            _kernel = _device.Accelerator.LoadStreamKernel<TrainArgs>(TrainKernel.Train);
        }
        catch
        {
            _device.Dispose();
            throw;
        }
    }

    /// <summary>"gpu": hierarchical softmax, negative sampling and both together; does not resume from checkpoints.</summary>
    public EngineCapabilities Capabilities { get; } = new("gpu",
        [LossKind.HierarchicalSoftmax, LossKind.NegativeSampling, LossKind.HierarchicalSoftmaxAndNegativeSampling], Resumes: false);

    /// <summary>The device in words, as the log gives it.</summary>
    public string DeviceDescription => _device.Description;

    /// <summary>Warps per block (internal: tests shape the launch).</summary>
    internal int WarpsPerBlock { get; init; } = 8;

    /// <summary>
    /// Kept words a warp takes per launch: a block of 8 warps trains 512 between two merges of its hot
    /// rows, enough for them to settle (the root takes thousands of updates), as a CPU thread's do.
    /// </summary>
    internal int WordsPerWarp { get; init; } = 64;

    /// <summary>
    /// A full batch and room for one more chunk past it: a chunk is 16,384 words plus the rest of the
    /// sentence it stops in, and sentences are cut at the plan's maximum length (any length a user sets).
    /// </summary>
    private int BatchCapacity(LaunchLayout layout, TrainingPlan plan) =>
        checked(layout.Warps * WordsPerWarp + 16_384 + plan.Options.Corpus.MaxSentenceLength);  // 16,384: the core's ChunkProducer.ChunkTokens

    /// <inheritdoc/>
    /// <exception cref="InsufficientMemoryException">The host copy of the weights does not fit in the memory available now.</exception>
    public TrainingResult Train(TrainingPlan plan, CorpusReader corpus, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Capabilities.Check(plan);
        var o = plan.Options;
        var layout = LayoutFor(plan);
        _logger.LogInformation("GPU engine on {Device}; {Warps:N0} warps in flight ({Blocks:N0} blocks of {PerBlock}), {Words:N0} words per launch, {Tree} tree and {Noise} noise rows per block in shared memory",
            _device.Description, layout.Warps, layout.Blocks, layout.WarpsPerBlock, layout.Warps * WordsPerWarp, layout.HotTree, layout.HotNoise);

        // The host keeps the model's arrays: initial values in, each epoch's weights out.
        plan.EnsureHostMemory(plan.WeightBytes, "the gpu engine's host copy of the weights");
        var model = plan.CreateModel();
        using var weights = new DeviceWeights(_device.Accelerator, plan, model, layout, BatchCapacity(layout, plan));
        var monitor = new TrainingMonitor(plan, corpus, progress, _logger);
        var run = new Run(this, plan, monitor, weights, layout);
        // Each epoch ends by copying the weights into the model's arrays (for its divergence check), so
        // after the last one they already hold the result.
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
            run.Epoch(corpus, epoch, cancellationToken);
        return monitor.Finish(model);
    }

    /// <summary>Releases the device and its accelerator; the engine cannot train after.</summary>
    public void Dispose() => _device.Dispose();

    /// <summary>
    /// Times <paramref name="launches"/> launches of the kernel over one batch (after one launch to warm
    /// up), the weights already on the device: the kernel benchmark's handle (tools/HSoftmax.KernelBench).
    /// </summary>
    /// <param name="plan">The plan whose weights are put on the device (fresh ones: <see cref="TrainingPlan.CreateModel"/>).</param>
    /// <param name="batch">Builds a batch of the given number of kept words: (word ids, sentence numbers).</param>
    /// <param name="launches">Launches to time, after the warm-up one.</param>
    /// <returns>Predictions per launch, seconds per launch, words per launch.</returns>
    internal (long Predictions, double Seconds, int Words) TimeLaunches(TrainingPlan plan, Func<int, (int[] Words, int[] Sentences)> batch, int launches)
    {
        var layout = LayoutFor(plan);
        var (words, sentences) = batch(layout.Warps * WordsPerWarp);
        using var weights = new DeviceWeights(_device.Accelerator, plan, plan.CreateModel(), layout, BatchCapacity(layout, plan));
        weights.Upload(words, sentences);
        float alpha = plan.Options.EffectiveAlpha;
        _kernel(layout.Config, weights.Args(words.Length, alpha, 1, 0));
        _device.Accelerator.Synchronize();
        weights.ClearTallies();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < launches; i++) _kernel(layout.Config, weights.Args(words.Length, alpha, (ulong)i + 2, 0));
        _device.Accelerator.Synchronize();
        double seconds = clock.Elapsed.TotalSeconds / launches;
        return (weights.Tallies().Predictions / launches, seconds, words.Length);
    }

    private LaunchLayout LayoutFor(TrainingPlan plan)
    {
        var o = plan.Options;
        return LaunchLayout.For(_device.Accelerator, o.Dim, WarpsPerBlock, _gpu.WarpsInFlight,
            o.UsesTreeOutput ? Math.Min(HotTreeRows, plan.Vocabulary.Count - 1) : 0, o.UsesNegativeSampling ? Math.Min(HotNoiseRows, plan.Vocabulary.Count) : 0);
    }

    /// <summary>
    /// One launch over <paramref name="words"/> (kept words, with their sentence numbers) from the model's
    /// weights, which it then holds the result: the tests' handle on one kernel step.
    /// </summary>
    internal void TrainOneLaunch(TrainingPlan plan, Word2VecModel model, int[] words, int[] sentences, float alpha, ulong seed)
    {
        var layout = LayoutFor(plan);
        using var weights = new DeviceWeights(_device.Accelerator, plan, model, layout, BatchCapacity(layout, plan));
        weights.Upload(words, sentences);
        _kernel(layout.Config, weights.Args(words.Length, alpha, seed, 0));
        weights.CopyOut();
    }

    /// <summary>One run's loop: host batches, device launches, progress.</summary>
    private sealed class Run(GpuEngine owner, TrainingPlan plan, TrainingMonitor monitor, DeviceWeights weights, LaunchLayout layout)
    {
        private readonly TrainingOptions _o = plan.Options;
        // A batch closes at the first chunk that takes it past Warps x WordsPerWarp.
        private readonly HostBatch _batch = new(plan, owner.BatchCapacity(layout, plan));
        private long _wordsDone;
        private long _launches;

        public void Epoch(CorpusReader corpus, int epoch, CancellationToken cancellationToken)
        {
            monitor.StartEpoch(_wordsDone);
            long doneAtStart = _wordsDone, trained = 0;
            ulong seed = EpochSeed(_o.Seed, epoch);
            _batch.StartEpoch(seed);
            weights.ClearTallies();
            var lastCheck = monitor.Elapsed;
            using var stream = WordIdReader.ReadEpoch(corpus, plan.Vocabulary, 4, cancellationToken);
            while (stream.TryTake(out var chunk, cancellationToken))
            {
                _batch.Add(chunk);
                stream.Recycle(chunk);
                if (_batch.Count < layout.Warps * owner.WordsPerWarp) continue;
                trained += Launch(seed, trained);
                if ((monitor.Elapsed - lastCheck).TotalSeconds < 1) continue;
                lastCheck = monitor.Elapsed;
                var (loss, predictions) = weights.Tallies();
                if (monitor.Running(epoch, _wordsDone, predictions > 0 ? loss / predictions : 0) is { } diverged) throw diverged;
            }
            trained += Launch(seed, trained);
            var (epochLoss, epochPredictions) = weights.Tallies();
            weights.CopyOut();
            var divergence = monitor.CheckWeights(weights.HostInput, "input", epoch, _wordsDone)
                ?? (weights.HostTree is { } tree ? monitor.CheckWeights(tree, "output", epoch, _wordsDone) : null)
                ?? (weights.HostNoise is { } noise ? monitor.CheckWeights(noise, "output", epoch, _wordsDone) : null);
            if (divergence is not null) throw divergence;
            monitor.EndEpoch(epoch, _wordsDone, epochPredictions > 0 ? epochLoss / epochPredictions : 0, _wordsDone - doneAtStart, trained, epochPredictions,
                string.Create(CultureInfo.InvariantCulture, $"; {_launches:N0} launches so far"));
        }

        /// <summary>
        /// Sends the batch and launches the kernel on it, then empties the batch; returns the kept words sent,
        /// before the device finishes with them.
        /// </summary>
        /// <param name="seed">The epoch's seed.</param>
        /// <param name="firstToken">The batch's first word's place among the epoch's kept words: it seeds the words' draws.</param>
        private int Launch(ulong seed, long firstToken)
        {
            int count = _batch.Count;
            // The rate at the batch's middle: a batch is up to a few hundred thousand words of the schedule.
            float alpha = plan.AlphaAt(_wordsDone + _batch.CorpusWords / 2);
            _wordsDone += _batch.CorpusWords;  // corpus words before subsampling: the learning-rate clock
            if (count > 0)
            {
                weights.Upload(_batch.Words.AsSpan(0, count), _batch.Sentences.AsSpan(0, count));
                owner._kernel(layout.Config, weights.Args(count, alpha, seed, firstToken));
                _launches++;
            }
            _batch.Clear();
            return count;
        }

        private static ulong EpochSeed(ulong seed, int epoch) => seed * 0x100000001B3UL ^ (ulong)epoch * 0x9E3779B97F4A7C15UL;
    }
}
