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
    /// <summary>Top inner nodes each block keeps in shared memory (the CPU engine's averaged hot rows).</summary>
    internal const int HotTreeRows = 64;
    /// <summary>Most frequent words' noise rows each block keeps in shared memory.</summary>
    internal const int HotNoiseRows = 16;
    /// <summary>Words a warp takes per launch: enough that a block's hot rows settle between merges.</summary>
    internal const int WordsPerWarp = 64;

    private readonly GpuOptions _gpu;
    private readonly ILogger _logger;
    private readonly GpuDevice _device;
    private readonly Action<KernelConfig, TrainArgs> _kernel;

    /// <summary>Opens the device now, so that a missing driver or GPU is reported before any work.</summary>
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

    public EngineCapabilities Capabilities { get; } = new("gpu",
        [LossKind.HierarchicalSoftmax, LossKind.NegativeSampling, LossKind.HierarchicalSoftmaxAndNegativeSampling], Resumes: false);

    /// <summary>The device in words, as the log gives it.</summary>
    public string DeviceDescription => _device.Description;

    /// <summary>Warps per block (internal: tests shape the launch).</summary>
    internal int WarpsPerBlock { get; init; } = 8;

    public TrainingResult Train(TrainingPlan plan, CorpusReader corpus, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Capabilities.Check(plan);
        var o = plan.Options;
        var layout = LayoutFor(plan);
        _logger.LogInformation("GPU engine on {Device}; {Warps:N0} warps in flight ({Blocks:N0} blocks of {PerBlock}), {Words:N0} words per launch, {Tree} tree and {Noise} noise rows per block in shared memory",
            _device.Description, layout.Warps, layout.Blocks, layout.WarpsPerBlock, layout.Warps * WordsPerWarp, layout.HotTree, layout.HotNoise);

        var model = plan.CreateModel();
        using var weights = new DeviceWeights(_device.Accelerator, plan, model, layout);
        var monitor = new TrainingMonitor(plan, corpus, progress, _logger);
        var run = new Run(this, plan, monitor, weights, layout);
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
            run.Epoch(corpus, epoch, cancellationToken);
        weights.CopyOut();
        return monitor.Finish(model);
    }

    public void Dispose() => _device.Dispose();

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
        using var weights = new DeviceWeights(_device.Accelerator, plan, model, layout);
        weights.Upload(words, sentences);
        _kernel(layout.Config, weights.Args(words.Length, alpha, seed, 0));
        weights.CopyOut();
    }

    /// <summary>One run's loop: host batches, device launches, progress.</summary>
    private sealed class Run(GpuEngine owner, TrainingPlan plan, TrainingMonitor monitor, DeviceWeights weights, LaunchLayout layout)
    {
        private readonly TrainingOptions _o = plan.Options;
        private readonly uint[] _keep = DeviceTables.KeepThresholds(plan.KeepProbabilities);
        private readonly int[] _words = new int[layout.Warps * WordsPerWarp + ChunkSlack];
        private readonly int[] _sentences = new int[layout.Warps * WordsPerWarp + ChunkSlack];
        private long _wordsDone;
        private long _launches;

        // A batch closes at the first chunk that takes it past Warps x WordsPerWarp; a chunk holds at most
        // 16,384 words plus one sentence (ChunkProducer), so this leaves room for any chunk of sentences
        // up to 100,000 words (the reader cuts longer ones).
        private const int ChunkSlack = 16_384 + 100_000;

        public void Epoch(CorpusReader corpus, int epoch, CancellationToken cancellationToken)
        {
            monitor.StartEpoch(_wordsDone);
            long doneAtStart = _wordsDone, trained = 0, epochToken = 0, chunkIndex = 0;
            int count = 0, sentence = 0;
            long batchWords = 0;  // corpus words (before subsampling) in the batch
            ulong seed = EpochSeed(_o.Seed, epoch);
            weights.ClearTallies();
            var lastCheck = monitor.Elapsed;
            using var stream = WordIdReader.ReadEpoch(corpus, plan.Vocabulary, 4, cancellationToken);
            while (stream.TryTake(out var chunk, cancellationToken))
            {
                // Subsampling, drawn afresh each epoch, before windowing (so windows reach further); a
                // chunk's draws come from its own stream, whatever the batch it lands in.
                ulong random = KernelRandom.ForToken(seed ^ 0x5DEECE66DUL, chunkIndex++);
                var words = chunk.Words;
                int begin = 0;
                foreach (int end in chunk.SentenceEnds)
                {
                    for (int i = begin; i < end; i++)
                    {
                        int w = words[i];
                        if ((uint)(KernelRandom.Next(ref random) >> 32) <= _keep[w])
                        {
                            _words[count] = w;
                            _sentences[count++] = sentence;
                        }
                    }
                    sentence++;
                    begin = end;
                }
                batchWords += words.Length;
                stream.Recycle(chunk);
                if (count < layout.Warps * WordsPerWarp) continue;
                Launch(count, batchWords, seed, epochToken);
                trained += count; epochToken += count; count = 0; batchWords = 0;
                if ((monitor.Elapsed - lastCheck).TotalSeconds < 1) continue;
                lastCheck = monitor.Elapsed;
                var (loss, predictions) = weights.Tallies();
                if (monitor.Running(epoch, _wordsDone, predictions > 0 ? loss / predictions : 0) is { } diverged) throw diverged;
            }
            if (count > 0 || batchWords > 0) Launch(count, batchWords, seed, epochToken);
            trained += count;
            var (epochLoss, epochPredictions) = weights.Tallies();
            weights.CopyOut();
            var divergence = monitor.CheckWeights(weights.HostInput, "input", epoch, _wordsDone)
                ?? monitor.CheckWeights(weights.HostOutput, "output", epoch, _wordsDone);
            if (divergence is not null) throw divergence;
            monitor.EndEpoch(epoch, _wordsDone, epochPredictions > 0 ? epochLoss / epochPredictions : 0, _wordsDone - doneAtStart, trained, epochPredictions,
                string.Create(CultureInfo.InvariantCulture, $"; {_launches:N0} launches so far"));
        }

        /// <summary>Sends the batch and launches the kernel on it; returns before the device finishes.</summary>
        private void Launch(int count, long batchWords, ulong seed, long firstToken)
        {
            // The rate at the batch's middle: a batch is up to a few hundred thousand words of the schedule.
            float alpha = plan.AlphaAt(_wordsDone + batchWords / 2);
            _wordsDone += batchWords;  // corpus words before subsampling: the learning-rate clock
            if (count == 0) return;
            weights.Upload(_words.AsSpan(0, count), _sentences.AsSpan(0, count));
            var args = weights.Args(count, alpha, seed, firstToken);
            owner._kernel(layout.Config, args);
            _launches++;
        }

        private static ulong EpochSeed(ulong seed, int epoch) => seed * 0x100000001B3UL ^ (ulong)epoch * 0x9E3779B97F4A7C15UL;
    }
}
