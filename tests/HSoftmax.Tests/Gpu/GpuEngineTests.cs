using HSoftmax.Corpus;
using HSoftmax.Gpu;
using HSoftmax.Gpu.Kernels;
using HSoftmax.Tests.Torch;
using HSoftmax.Tests.Training;
using HSoftmax.Training;

namespace HSoftmax.Tests.Gpu;

/// <summary>
/// The fused-kernel engine on ILGPU's CPU accelerator: the kernels a CUDA device runs, warps and shuffles
/// simulated. The accelerator runs them about 100 times slower than the CPU engine, so the corpora are small.
/// </summary>
[Collection(nameof(RunsAlone))]
public unsafe class GpuEngineTests
{
    /// <summary>Warps of 4 lanes: dim 10 leaves lanes with 3 and 2 dimensions, and every shuffle of the sum runs.</summary>
    private static readonly CpuAcceleratorShape FourLanes = new(4, 2, 1);

    private static GpuEngine OnCpu(int warpsInFlight = 0, CpuAcceleratorShape? shape = null) =>
        new(new GpuOptions { Device = "cpu", WarpsInFlight = warpsInFlight }, null, shape ?? CpuAcceleratorShape.Default);

    [Theory]
    [MemberData(nameof(ThreadCountTests.Configurations), MemberType = typeof(ThreadCountTests))]  // every model and loss the engine trains
    public void OneLaunchEqualsTheCpuEnginesSteps(ModelKind modelKind, LossKind loss)
    {
        // Two sentences over a 100-word vocabulary, rare words among them: their paths leave the top nodes
        // a block keeps in shared memory, and their noise rows are past the hot ones. Random input
        // and output rows, so every gradient is live.
        var vocabulary = Vocabulary.FromSorted(Enumerable.Range(0, 100).Select(i => ($"w{i}", 10_000L / (i + 1))));
        var options = new TrainingOptions { Model = modelKind, Loss = loss, Dim = 10, Window = 2, Negative = 4, MinCount = 1, Sample = 0, Seed = 7 };
        var plan = TrainingPlan.Prepare(options, vocabulary);
        int[] words = [3, 0, 97, 41, 9, 2, 75, 0, 88];
        int[] sentences = [0, 0, 0, 0, 0, 1, 1, 1, 1];
        const float alpha = 0.05f;
        const ulong seed = 12345;

        var gpuModel = RandomModel(plan, 1);
        var cpuModel = RandomModel(plan, 1);
        // 64 tree and 16 noise rows in shared memory, more than the engine's default, so both of each
        // kind of row (a block's copy, the device's) are in the paths and draws.
        using (var engine = new GpuEngine(new GpuOptions { Device = "cpu", WarpsInFlight = 1 }, null, FourLanes) { HotTreeRows = 64, HotNoiseRows = 16 })
            engine.TrainOneLaunch(plan, gpuModel, words, sentences, alpha, seed);
        CpuSteps(plan, cpuModel, words, sentences, alpha, seed);

        AssertClose(cpuModel.InputArray, gpuModel.InputArray, "input");
        if (cpuModel.TreeOutputArray is { } tree) AssertClose(tree, gpuModel.TreeOutputArray!, "tree");
        if (cpuModel.NoiseOutputArray is { } noise) AssertClose(noise, gpuModel.NoiseOutputArray!, "noise");
        // The steps moved the weights: a kernel that did nothing would match a reference that did nothing.
        Assert.NotEqual(RandomModel(plan, 1).InputArray, gpuModel.InputArray);
    }

    [Theory]
    [InlineData(ModelKind.SkipGram, LossKind.HierarchicalSoftmax)]
    [InlineData(ModelKind.Cbow, LossKind.NegativeSampling)]
    public void LossFallsAndPlantedNeighboursComeFirst(ModelKind model, LossKind loss)
    {
        using var tmp = new TempFolder();
        var options = new TrainingOptions { Model = model, Loss = loss, Dim = 24, Window = 4, Epochs = 4, MinCount = 1, Sample = 0, Seed = 3 };
        using var engine = OnCpu();
        var result = engine.Train(options, new CorpusReader([PlantedTopics.Write(tmp, 2000)]));
        Assert.Equal(4, result.Epochs.Count);
        Assert.Equal(24_000, result.Epochs[0].Words);
        PlantedTopics.AssertLearned(result);
    }

    [Fact]
    public void SkipGramPredictionsAreTheWindowPairs()
    {
        // Sentences of 12 words, window 1, no subsampling: each word predicts and is predicted by its
        // neighbours in the sentence, never across a sentence end (the batch holds many sentences).
        using var tmp = new TempFolder();
        var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.HierarchicalSoftmax, Dim = 8, Window = 1, Epochs = 1, MinCount = 1, Sample = 0 };
        using var engine = OnCpu();
        var result = engine.Train(options, new CorpusReader([PlantedTopics.Write(tmp, 500)]));
        Assert.Equal(500 * 11 * 2, result.Epochs[0].Predictions);
        Assert.Equal(6000, result.Epochs[0].TrainedWords);
    }

    [Fact]
    public void DoctorOpensTheDeviceThroughTheAddOn()
    {
        var (code, stdout, stderr) = HSoftmax.Tests.Cli.CliRun.Run("doctor", "--engine", "gpu", "--device", "cpu", "--no-training");
        Assert.True(code == 0, stderr);
        Assert.Contains("ILGPU        1.5.3", stdout);
        Assert.Contains("Device       ILGPU's CPU accelerator", stdout);
        Assert.EndsWith("doctor: every check passed", stdout.TrimEnd());
        (code, stdout, stderr) = HSoftmax.Tests.Cli.CliRun.Run("doctor", "--engine", "gpu", "--device", "gpu0", "--no-training");
        Assert.Equal(2, code);
        Assert.Equal("hsoftmax: doctor: 'open the device' failed: --device: must be cuda, cuda:N, auto or cpu (ILGPU's CPU accelerator, for tests), got 'gpu0'", stderr.Trim());
    }

    [Fact]
    public void ASentenceLongerThanTheDefaultCutFitsTheBatch()
    {
        // The batch is sized for one chunk past a full launch: 16,384 words plus the rest of the sentence
        // the chunk stops in. It assumed sentences cut at 100,000 words; with a longer cut it overran.
        using var tmp = new TempFolder();
        var words = Enumerable.Range(0, 130_000).Select(i => $"w{i * 7919 % 50}");
        string corpus = tmp.Write("long.txt", string.Join(' ', words) + "\n");
        var options = new TrainingOptions { Model = ModelKind.Cbow, Loss = LossKind.HierarchicalSoftmax, Dim = 8, Window = 2, Epochs = 1, MinCount = 1, Sample = 0,
            Corpus = new CorpusOptions { MaxSentenceLength = 150_000 } };
        using var engine = OnCpu();
        var result = engine.Train(options, new CorpusReader([corpus], options.Corpus));
        Assert.Equal(130_000, result.Epochs[0].TrainedWords);
    }

    [Fact]
    public void SubsamplingKeepsTheExpectedShare()
    {
        using var tmp = new TempFolder();
        var options = new TrainingOptions { Model = ModelKind.Cbow, Loss = LossKind.NegativeSampling, Dim = 8, Window = 2, Epochs = 1, MinCount = 1, Sample = SubsamplingCorpus.Sample };
        using var engine = OnCpu();
        var result = engine.Train(options, new CorpusReader([SubsamplingCorpus.Write(tmp)]));
        SubsamplingCorpus.AssertExpectedShareKept(result);
    }

    [Theory]
    [InlineData(ModelKind.SkipGram, LossKind.HierarchicalSoftmax)]
    [InlineData(ModelKind.Cbow, LossKind.NegativeSampling)]
    public void TheBundledCorpusReachesTheCpuEnginesLoss(ModelKind model, LossKind loss)
    {
        // The first 150,000 words of the bundled corpus, 2 epochs: the CPU accelerator runs about 5,000
        // skip-gram words a second, too slow for the whole corpus in CI. Within 3% of the CPU engine's loss.
        using var tmp = new TempFolder();
        string slice = tmp.Write("slice.txt", FirstWords(RepositoryFiles.BundledCorpus, 150_000));
        var options = new TrainingOptions { Model = model, Loss = loss, Dim = 50, Epochs = 2, Threads = 2, Seed = 1 };
        var cpu = new CpuEngine().Train(options, new CorpusReader([slice]));
        using var engine = OnCpu();
        var gpu = engine.Train(options, new CorpusReader([slice]));
        double ratio = gpu.Epochs[^1].Loss / cpu.Epochs[^1].Loss;
        Assert.True(Math.Abs(ratio - 1) < 0.03, $"gpu engine loss {gpu.Epochs[^1].Loss:F4}, cpu engine {cpu.Epochs[^1].Loss:F4}");
        Assert.True(gpu.Epochs[^1].Loss < gpu.Epochs[0].Loss, "the loss fell from the first epoch to the second");
    }

    [Fact]
    public void CudaAskedForWithoutADriverIsOneLineNamingTheDevice()
    {
        if (File.Exists("/usr/lib/x86_64-linux-gnu/libcuda.so.1")) return;  // a machine with a driver: nothing to check here
        var e = Assert.Throws<InvalidOptionException>(() => new GpuEngine(new GpuOptions { Device = "cuda" }));
        Assert.Equal(nameof(GpuOptions.Device), e.Option);
        Assert.Contains("driver", e.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Reason);
        var bad = Assert.Throws<InvalidOptionException>(() => new GpuEngine(new GpuOptions { Device = "gpu0" }));
        Assert.Contains("cuda, cuda:N, auto or cpu", bad.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void KernelTablesAreTheCpuEnginesTables()
    {
        Assert.Equal(Sigmoid.Table, DeviceTables.Sigmoid());
        Assert.Equal(Sigmoid.LossPositive, DeviceTables.LossPositive());
        Assert.Equal(Sigmoid.LossNegative, DeviceTables.LossNegative());
        // And the kernel's generator is FastRandom's, so a test can replay a centre word's draws.
        ulong state = KernelRandom.ForToken(9, 4);
        var fast = new FastRandom(state);
        Assert.Equal(fast.NextUInt64(), KernelRandom.Next(ref state));
        Assert.Equal(fast.NextInt(7), KernelRandom.NextInt(ref state, 7));
    }

    /// <summary>
    /// The CPU engine's steps (its objectives and the skip-gram / CBOW update), word by word in order, with
    /// the kernel's draws: each centre word's window size and negatives from its own stream.
    /// </summary>
    private static void CpuSteps(TrainingPlan plan, Word2VecModel model, int[] words, int[] sentences, float alpha, ulong seed)
    {
        var o = plan.Options;
        int dim = o.Dim;
        var hidden = new float[dim];
        var grad = new float[dim];
        var input = model.InputArray;
        var tree = model.TreeOutputArray ?? [0f];
        var noiseRows = model.NoiseOutputArray ?? [0f];
        var sampler = plan.Noise?.Sampler ?? AliasSampler.ForNegatives([1], 0.75);
        fixed (float* pInput = input, pTree = tree, pNoise = noiseRows, pHidden = hidden, pGrad = grad)
        fixed (int* pLinks = plan.Tree?.Links ?? [0])
        fixed (uint* threshold = sampler.Threshold)
        fixed (int* alias = sampler.Alias)
        {
            var hs = new HierarchicalSoftmax(new OutputRows(pTree, dim), pLinks, plan.Vocabulary.Count, Sigmoid.Pointers);
            var ns = new NegativeSampling(new OutputRows(pNoise, dim), o.Negative, new AliasTable(threshold, alias, sampler.Count), Sigmoid.Pointers);
            for (int t = 0; t < words.Length; t++)
            {
                ulong state = KernelRandom.ForToken(seed, t);
                int reduce = KernelRandom.NextInt(ref state, o.Window);
                var random = new FastRandom(state);
                var contexts = Enumerable.Range(Math.Max(0, t - o.Window + reduce), Math.Min(words.Length, t + o.Window - reduce + 1) - Math.Max(0, t - o.Window + reduce))
                    .Where(j => j != t && sentences[j] == sentences[t]).ToArray();
                if (o.Model == ModelKind.SkipGram)
                {
                    foreach (int j in contexts)
                    {
                        float* h = pInput + (long)words[j] * dim;
                        Array.Clear(grad);
                        Step(o, hs, ns, h, words[t], alpha, pGrad, ref random);
                        for (int d = 0; d < dim; d++) h[d] += grad[d];
                    }
                }
                else if (contexts.Length > 0)
                {
                    Array.Clear(hidden);
                    foreach (int j in contexts)
                        for (int d = 0; d < dim; d++) hidden[d] += input[words[j] * dim + d];
                    for (int d = 0; d < dim; d++) hidden[d] *= 1f / contexts.Length;
                    Array.Clear(grad);
                    Step(o, hs, ns, pHidden, words[t], alpha, pGrad, ref random);
                    foreach (int j in contexts)
                        for (int d = 0; d < dim; d++) input[words[j] * dim + d] += grad[d];
                }
            }
        }
    }

    private static void Step(TrainingOptions o, HierarchicalSoftmax hs, NegativeSampling ns, float* hidden, int target, float alpha, float* grad, ref FastRandom random)
    {
        if (o.UsesTreeOutput) hs.Step(hidden, target, alpha, grad, ref random);
        if (o.UsesNegativeSampling) ns.Step(hidden, target, alpha, grad, ref random);
    }

    private static Word2VecModel RandomModel(TrainingPlan plan, int seed)
    {
        var model = new Word2VecModel(plan.Vocabulary.Count, plan.Options.Dim, plan.Options.UsesTreeOutput, plan.Options.UsesWordOutput);
        var random = new Random(seed);
        foreach (var rows in new[] { model.InputArray, model.TreeOutputArray, model.NoiseOutputArray })
            if (rows is not null)
                for (int i = 0; i < rows.Length; i++) rows[i] = (float)(random.NextDouble() - 0.5);
        return model;
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]), $"{what}[{i}]: cpu {expected[i]}, gpu {actual[i]}");
    }

    private static string FirstWords(string path, int words)
    {
        var text = new System.Text.StringBuilder();
        int count = 0;
        foreach (string line in File.ReadLines(path))
        {
            text.Append(line).Append('\n');
            count += line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            if (count >= words) break;
        }
        return text.ToString();
    }
}
