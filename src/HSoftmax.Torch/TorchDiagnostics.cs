using System.Diagnostics;
using HSoftmax.Corpus;
using HSoftmax.Torch.Objectives;
using HSoftmax.Training;
using static TorchSharp.torch;

namespace HSoftmax.Torch;

/// <summary>
/// Runs every libtorch operation the TorchSharp engine uses, one group at a time, on a device, with the
/// engine's own code (windows, objectives, steps), dtypes and generator: the check to run on a new machine
/// before training there (<c>hsoftmax doctor</c>).
/// </summary>
public static class TorchDiagnostics
{
    /// <summary>
    /// Calls <paramref name="starting"/> with each check's name before it runs, so that a native crash,
    /// which no exception reports, still names the last check begun; then <paramref name="done"/>.
    /// A failing check throws; the checks after it do not run.
    /// </summary>
    public static void CheckOperations(string device, Action<string> starting, Action<string, TimeSpan> done)
    {
        var clock = new Stopwatch();
        T Run<T>(string name, Func<T> check)
        {
            starting(name);
            clock.Restart();
            var result = check();
            done(name, clock.Elapsed);
            return result;
        }
        void Do(string name, Action check) => Run(name, () => { check(); return 0; });

        var target = Run("resolve the device", () => TorchDevice.Resolve(device, out _));
        // A small Zipf vocabulary: every loss, the tree and the noise table, on the engine's own construction.
        var words = Enumerable.Range(0, 500).Select(r => ($"w{r}", 100_000L / (r + 1))).ToList();
        var vocabulary = Vocabulary.FromSorted(words);
        const int dim = 32, window = 5, count = 4096;
        var random = new Random(1);
        int[] ids = Enumerable.Range(0, count).Select(_ => Math.Min(499, (int)(Math.Exp(random.NextDouble() * Math.Log(500)) - 1))).ToArray();
        int[] sentenceOf = Enumerable.Range(0, count).Select(i => i / 20).ToArray();

        using var generator = Run("make the engine's generator for the device", () => TorchDevice.CreateGenerator(target, 1, seedDeviceDefault: false));
        using var noGrad = no_grad();
        var plan = TrainingPlan.Prepare(new TrainingOptions { Loss = LossKind.HierarchicalSoftmax, Dim = dim, Window = window, MinCount = 1, Sample = 1e-3 }, vocabulary);
        using var windows = Run("upload the keep probabilities (tensor from doubles)", () => new DeviceWindows(plan.KeepProbabilities.ToArray(), window, generator, target));
        using var input = Run("upload the input rows (tensor from floats)", () => tensor(TorchEngine.ArrayOf(plan.CreateModel().Input), [vocabulary.Count, dim], device: target));
        using var scope = NewDisposeScope();
        var (w, s) = Run("copy a chunk's word ids (tensor, narrow, to_type)", () =>
            (tensor(ids, device: target).narrow(0, 0, count).to_type(ScalarType.Int64), tensor(sentenceOf, device: target).narrow(0, 0, count)));
        (w, s) = Run("subsampling draw (rand float64 with the generator, index_select, lt, masked_select)", () => windows.Subsample(w, s));
        var pairs = Run("skip-gram windows (arange, randint, comparisons, clamp, masked_select)", () => windows.SkipGram(w, s));
        var bags = Run("CBOW windows (any, nonzero, index_select)", () => windows.Cbow(w, s, input.dtype));
        var order = Run("shuffle (randperm with the generator, index_select)", () => randperm(pairs.Count, device: target, generator: generator));
        var contexts = pairs.Contexts.index_select(0, order);
        var centres = pairs.Centres.index_select(0, order);
        long n = Math.Min(1024, pairs.Count);

        foreach (var (loss, proposal) in new[] { (LossKind.HierarchicalSoftmax, SampledProposal.LogUniform), (LossKind.NegativeSampling, SampledProposal.LogUniform),
                     (LossKind.SampledSoftmax, SampledProposal.LogUniform), (LossKind.SampledSoftmax, SampledProposal.Unigram), (LossKind.Softmax, SampledProposal.LogUniform) })
        {
            var lossPlan = TrainingPlan.Prepare(plan.Options with { Loss = loss }, vocabulary);
            var torchOptions = new TorchOptions { Samples = 64, Proposal = proposal };
            string name = loss == LossKind.SampledSoftmax ? $"{loss} ({proposal})" : loss.ToString();
            using var output = zeros([loss == LossKind.HierarchicalSoftmax ? vocabulary.Count - 1 : vocabulary.Count, dim], device: target);
            using var objective = Run($"{name}: tables on the device", () => TorchEngine.CreateObjective(lossPlan, torchOptions, output, generator, target));
            objective.RowCap = 64;
            Do($"{name}: one skip-gram step (gathers, products, index_add_)", () => BatchSteps.SkipGram(input, objective, contexts.narrow(0, 0, n), centres.narrow(0, 0, n), 0.025f).sum().item<float>());
            long m = Math.Min(1024, bags.Count);
            Do($"{name}: one CBOW step", () => BatchSteps.Cbow(input, objective, bags.Contexts.narrow(0, 0, m), bags.Mask.narrow(0, 0, m), bags.Centres.narrow(0, 0, m), true, 0.05f).sum().item<float>());
        }
        Do("finite check (isfinite, all, item)", () => { using var finite = input.isfinite(); using var all = finite.all(); _ = all.item<bool>(); });
        Do("weights back to the host (to, contiguous, data)", () =>
        {
            using var host = input.to(CPU);
            using var cpu = host.contiguous();
            _ = cpu.data<float>().ToArray();
        });
    }
}
