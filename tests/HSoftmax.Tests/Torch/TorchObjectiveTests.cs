using HSoftmax.Torch;
using HSoftmax.Torch.Objectives;
using HSoftmax.Training;
using HSoftmax.Tree;
using TorchSharp;
using static TorchSharp.torch;

namespace HSoftmax.Tests.Torch;

/// <summary>
/// Each objective's hand-written gradients against central finite differences of its own loss, in
/// float64 on tiny random problems; and the identities between sampled and full softmax.
/// </summary>
public class TorchObjectiveTests
{
    private const int Words = 13, Dim = 5, Batch = 6;
    private static readonly long[] Counts = [90, 60, 40, 33, 20, 20, 11, 9, 5, 4, 3, 2, 1];

    private static (Tensor Hidden, Tensor Targets, Tensor Output) Problem(int outputRows, int seed)
    {
        using var g = new Generator((ulong)seed);
        var hidden = randn([Batch, Dim], dtype: ScalarType.Float64, generator: g) * 0.5;
        var output = randn([outputRows, Dim], dtype: ScalarType.Float64, generator: g) * 0.5;
        var targets = tensor(new long[] { 0, 3, 12, 7, 3, 1 });
        return (hidden, targets, output);
    }

    /// <summary>Central differences of the summed loss at every entry of the hidden vectors and the output rows.</summary>
    private static void AssertGradientsMatchFiniteDifferences(TorchObjective objective, Tensor hidden, Func<Tensor, ObjectiveGradients> compute)
    {
        using var noGrad = no_grad();
        // The scopes hold every temporary until the check is done: a temporary nothing refers to can be
        // finalized by a collection on another test's thread while libtorch still reads it.
        using var scope = NewDisposeScope();
        var g = compute(hidden);
        var rowGrad = g.Rows is null ? g.RowGrads : zeros_like(objective.Output).index_add_(0, g.Rows, g.RowGrads, 1.0);
        Assert.True(rowGrad.abs().max().item<double>() > 1e-3, "the output gradient is not all zero");
        const double eps = 1e-6;
        double Loss()
        {
            using var inner = NewDisposeScope();
            return compute(hidden).Loss.sum().item<double>();
        }
        foreach (var (parameter, analytic) in new[] { (hidden, g.HiddenGrad), (objective.Output, rowGrad) })
        {
            var flat = parameter.view(-1);
            var expected = analytic.reshape(-1);
            for (long i = 0; i < flat.shape[0]; i++)
            {
                double x = flat[i].item<double>();
                flat[i] = x + eps; double up = Loss();
                flat[i] = x - eps; double down = Loss();
                flat[i] = x;
                double numeric = (up - down) / (2 * eps);
                double value = expected[i].item<double>();
                Assert.True(Math.Abs(numeric - value) <= 1e-6 + 1e-6 * Math.Abs(numeric), $"entry {i}: finite difference {numeric}, gradient {value}");
            }
        }
    }

    [Fact]
    public void HierarchicalSoftmaxGradientsEqualFiniteDifferences()
    {
        var tree = HuffmanTree.Build(Counts);
        var (hidden, targets, output) = Problem(Words - 1, 1);
        using var hs = new HierarchicalSoftmaxLoss(output, tree, CPU);
        AssertGradientsMatchFiniteDifferences(hs, hidden, h => hs.Compute(h, targets));

        // The loss is the path's sum of -log sigmoid(+-f), computed here from the tree directly.
        var loss = hs.Compute(hidden, targets).Loss;
        for (int b = 0; b < Batch; b++)
        {
            int word = (int)targets[b].item<long>();
            double expected = 0;
            var path = tree.GetPath(word); var code = tree.GetCode(word);
            for (int d = 0; d < path.Length; d++)
            {
                double f = (hidden[b] * output[path[d]]).sum().item<double>();
                expected += Math.Log(1 + Math.Exp(code[d] == 0 ? -f : f));  // label 1 - code
            }
            Assert.Equal(expected, loss[b].item<double>(), 12);
        }
    }

    [Fact]
    public void RowCapLimitsTheStepsARowTakesInOneBatch()
    {
        var tree = HuffmanTree.Build(Counts);
        var (hidden, _, output) = Problem(Words - 1, 7);
        using var noGrad = no_grad();
        var one = hidden.narrow(0, 0, 1);
        var four = cat([one, one, one, one], 0);
        var targets = tensor(new long[] { 9, 9, 9, 9 });
        TorchObjective Stepped(int cap, Tensor h, Tensor t)
        {
            var hs = new HierarchicalSoftmaxLoss(output.clone(), tree, CPU) { RowCap = cap };
            hs.Apply(hs.Compute(h, t), 0.1);
            return hs;
        }
        var single = Stepped(0, one, tensor(new long[] { 9 })).Output - output;
        Assert.True(single.abs().max().item<double>() > 1e-3);
        // Four equal updates of each row on the path: capped at 1, 2 and 8 (no effect) steps, and summed.
        Assert.True(allclose(Stepped(1, four, targets).Output - output, single, rtol: 1e-9, atol: 1e-14), "cap 1: one step");
        Assert.True(allclose(Stepped(2, four, targets).Output - output, single * 2, rtol: 1e-9, atol: 1e-14), "cap 2: two steps");
        Assert.True(allclose(Stepped(8, four, targets).Output - output, single * 4, rtol: 1e-9, atol: 1e-14), "cap 8: all four");
        Assert.True(allclose(Stepped(0, four, targets).Output - output, single * 4, rtol: 1e-9, atol: 1e-14), "no cap: the sum");
    }

    [Fact]
    public void NegativeSamplingGradientsEqualFiniteDifferences()
    {
        var (hidden, targets, output) = Problem(Words, 2);
        using var sampler = new DeviceSampler(NoiseDistribution.FromCounts(Counts, 0.75), new Generator(5), CPU);
        using var ns = new NegativeSamplingLoss(output, 4, sampler);
        // Fixed noise; row 1 (target 3) draws 3 twice: it must be left out of loss and gradient.
        var noise = tensor(new long[] { 1, 2, 5, 9, 3, 3, 0, 11, 4, 5, 6, 7, 8, 9, 10, 12, 0, 2, 1, 12, 2, 4, 6, 8 }, [Batch, 4]);
        AssertGradientsMatchFiniteDifferences(ns, hidden, h => ns.Compute(h, targets, noise));
        var withHit = ns.Compute(hidden, targets, noise).Loss[1].item<double>();
        double f(long word) => (hidden[1] * output[word]).sum().item<double>();
        double expected = Math.Log(1 + Math.Exp(-f(3))) + Math.Log(1 + Math.Exp(f(0))) + Math.Log(1 + Math.Exp(f(11)));
        Assert.Equal(expected, withHit, 12);
    }

    [Fact]
    public void NegativeSamplingDrawsFromCountToTheThreeQuarters()
    {
        using var sampler = new DeviceSampler(NoiseDistribution.FromCounts(Counts, 0.75), new Generator(9), CPU);
        var draws = sampler.Sample([400_000]);
        var frequency = bincount(draws, minlength: Words).to_type(ScalarType.Float64) / 400_000;
        double norm = Counts.Sum(c => Math.Pow(c, 0.75));
        for (int w = 0; w < Words; w++)
            Assert.Equal(Math.Pow(Counts[w], 0.75) / norm, frequency[w].item<double>(), 2);
    }

    [Fact]
    public void FullSoftmaxGradientsEqualFiniteDifferences()
    {
        var (hidden, targets, output) = Problem(Words, 3);
        using var softmax = new FullSoftmaxLoss(output);
        AssertGradientsMatchFiniteDifferences(softmax, hidden, h => softmax.Compute(h, targets));
        // Stable with large logits: the same loss after shifting every logit by +1000 along one direction.
        var big = new FullSoftmaxLoss(output * 400).Compute(hidden, targets).Loss;
        Assert.True(big.isfinite().all().item<bool>());
    }

    [Fact]
    public void SampledSoftmaxGradientsEqualFiniteDifferences()
    {
        var (hidden, targets, output) = Problem(Words, 4);
        using var sampled = new SampledSoftmaxLoss(output, 7, SampledProposal.LogUniform, null, Counts, 0.75, new Generator(3));
        var candidates = tensor(new long[] { 0, 0, 3, 5, 8, 12, 2 });  // repeats, and hits of targets 0, 3 and 12
        var logExpected = randn([7], dtype: ScalarType.Float64, generator: new Generator(8));
        AssertGradientsMatchFiniteDifferences(sampled, hidden, h => sampled.Compute(h, targets, candidates, logExpected));
    }

    [Fact]
    public void SampledSoftmaxWithEveryWordAsCandidateEqualsTheFullSoftmax()
    {
        var (hidden, targets, output) = Problem(Words, 5);
        using var sampled = new SampledSoftmaxLoss(output, Words, SampledProposal.LogUniform, null, Counts, 0.75, new Generator(3));
        var full = new FullSoftmaxLoss(output).Compute(hidden, targets);
        var all = sampled.Compute(hidden, targets, arange(Words, dtype: ScalarType.Int64), zeros(Words, dtype: ScalarType.Float64));
        Assert.True(allclose(full.Loss, all.Loss, rtol: 1e-12, atol: 1e-12));
        Assert.True(allclose(full.HiddenGrad, all.HiddenGrad, rtol: 1e-12, atol: 1e-12));
        var dense = zeros_like(output).index_add_(0, all.Rows!, all.RowGrads, 1.0);
        Assert.True(allclose(full.RowGrads, dense, rtol: 1e-12, atol: 1e-12));
    }

    [Theory]
    [InlineData(SampledProposal.LogUniform)]
    [InlineData(SampledProposal.Unigram)]
    public void SampledSoftmaxExpectedLossApproachesTheFullSoftmax(SampledProposal proposal)
    {
        var (hidden, targets, output) = Problem(Words, 6);
        double full = new FullSoftmaxLoss(output).Compute(hidden, targets).Loss.mean().item<double>();
        double previousGap = double.MaxValue;
        foreach (int samples in new[] { 2, 16, 512 })
        {
            var unigram = proposal == SampledProposal.Unigram ? new DeviceSampler(NoiseDistribution.FromCounts(Counts, 0.75), new Generator(21), CPU) : null;
            using var sampled = new SampledSoftmaxLoss(output, samples, proposal, unigram, Counts, 0.75, new Generator(21));
            double mean = 0;
            const int draws = 400;
            for (int i = 0; i < draws; i++) mean += sampled.Compute(hidden, targets).Loss.mean().item<double>() / draws;
            double gap = Math.Abs(mean - full);
            Assert.True(gap < previousGap, $"{samples} samples: expected loss {mean}, full {full}, gap did not shrink from {previousGap}");
            previousGap = gap;
        }
        Assert.True(previousGap < 0.01 * full, $"with 512 samples the expected loss is {previousGap} from the full softmax's {full}");
    }
}
