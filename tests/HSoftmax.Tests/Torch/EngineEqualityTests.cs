using HSoftmax.Simd;
using HSoftmax.Torch;
using HSoftmax.Torch.Objectives;
using HSoftmax.Training;
using HSoftmax.Tree;
using TorchSharp;
using static TorchSharp.torch;

namespace HSoftmax.Tests.Torch;

/// <summary>
/// One skip-gram step of the TorchSharp engine (batch of one) against one step of the CPU engine, from the
/// same weights on the same pair. The CPU engine reads sigmoid from word2vec's 1000-cell table over [-6, 6],
/// off by at most 0.25 x 12/1000 = 0.003 from the exact sigmoid, so each updated entry may differ by
/// alpha x 0.003 x the largest |input| (plus float32 rounding); the step itself is asserted to be far larger.
/// </summary>
public unsafe class EngineEqualityTests
{
    private const int Dim = 37, Context = 2, Centre = 6;
    private const float Alpha = 0.05f;
    private static readonly long[] Counts = [40, 30, 12, 9, 5, 3, 2, 1];

    private static float[] RandomRows(int rows, int seed, double scale)
    {
        var rnd = new Random(seed);
        return Enumerable.Range(0, rows * Dim).Select(_ => (float)((rnd.NextDouble() - 0.5) * scale)).ToArray();
    }

    /// <summary>Runs the torch step on copies of the weights and returns (input, output) after it.</summary>
    private static (float[] Input, float[] Output) TorchStep(float[] input, float[] output, Func<Tensor, TorchObjective> objective)
    {
        using var noGrad = no_grad();
        using var inputTensor = tensor(input, [input.Length / Dim, Dim]);
        using var outputTensor = tensor(output, [output.Length / Dim, Dim]);
        using var o = objective(outputTensor);
        o.RowCap = 1;  // the strictest cap: with one pair it is still plain SGD
        BatchSteps.SkipGram(inputTensor, o, tensor(new long[] { Context }), tensor(new long[] { Centre }), Alpha);
        return (inputTensor.data<float>().ToArray(), outputTensor.data<float>().ToArray());
    }

    private static void AssertClose(float[] before, float[] cpu, float[] torch, double tolerance, string what)
    {
        double largestStep = 0;
        for (int i = 0; i < cpu.Length; i++)
        {
            largestStep = Math.Max(largestStep, Math.Abs(cpu[i] - before[i]));
            Assert.True(Math.Abs(cpu[i] - torch[i]) <= tolerance, $"{what}[{i}]: CPU {cpu[i]}, torch {torch[i]}, tolerance {tolerance}");
        }
        Assert.True(largestStep > 20 * tolerance, $"{what}: the step ({largestStep}) is too small for the test to mean anything");
    }

    private static double Tolerance(float[] input, float[] output) =>
        Alpha * 0.0031 * Math.Max(input.Max(Math.Abs), output.Max(Math.Abs)) * 4 + 1e-6;

    [Fact]
    public void HierarchicalSoftmaxStepEqualsTheCpuEngine()
    {
        var tree = HuffmanTree.Build(Counts);
        float[] input = RandomRows(Counts.Length, 1, 1.0), output = RandomRows(Counts.Length - 1, 2, 1.0);
        var torch = TorchStep(input, output, t => new HierarchicalSoftmaxLoss(t, tree, CPU));

        float[] cpuInput = (float[])input.Clone(), cpuOutput = (float[])output.Clone();
        var links = tree.Links;
        float[] grad = new float[Dim];
        var random = new FastRandom(1);
        fixed (float* pIn = cpuInput, pOut = cpuOutput, pGrad = grad)
        fixed (int* pLinks = links)
        {
            var hs = new HierarchicalSoftmax(new OutputRows(pOut, Dim), pLinks, Counts.Length, Sigmoid.Pointers);
            hs.Step(pIn + Context * Dim, Centre, Alpha, pGrad, ref random);
            VectorMath.Axpy(1f, pGrad, pIn + Context * Dim, Dim);
        }
        double tolerance = Tolerance(input, output);
        AssertClose(output, cpuOutput, torch.Output, tolerance, "tree rows");
        AssertClose(input, cpuInput, torch.Input, tolerance, "input rows");
    }

    [Fact]
    public void NegativeSamplingStepEqualsTheCpuEngine()
    {
        const int negatives = 5;
        var noise = AliasSampler.ForNegatives(Counts, 0.75);
        float[] input = RandomRows(Counts.Length, 3, 1.0), output = RandomRows(Counts.Length, 4, 1.0);
        // The CPU engine draws its noise inside the step; replaying the same generator gives the same words.
        // A noise word drawn twice is updated twice in a row by the CPU engine and once with the summed
        // gradient by the batched one, so the test takes the first seed whose draws are distinct.
        FastRandom random = default;
        long[] drawn = [];
        for (ulong seed = 1; drawn.Distinct().Count() != negatives || drawn.Contains(Centre); seed++)
        {
            random = new FastRandom(seed);
            var replay = random;
            drawn = Enumerable.Range(0, negatives).Select(_ => (long)noise.Sample(ref replay)).ToArray();
        }

        float[] cpuInput = (float[])input.Clone(), cpuOutput = (float[])output.Clone();
        float[] grad = new float[Dim];
        fixed (float* pIn = cpuInput, pOut = cpuOutput, pGrad = grad)
        fixed (uint* threshold = noise.Threshold)
        fixed (int* alias = noise.Alias)
        {
            var ns = new NegativeSampling(new OutputRows(pOut, Dim), negatives, new AliasTable(threshold, alias, noise.Count), Sigmoid.Pointers);
            ns.Step(pIn + Context * Dim, Centre, Alpha, pGrad, ref random);
            VectorMath.Axpy(1f, pGrad, pIn + Context * Dim, Dim);
        }
        var torch = TorchStep(input, output, t => new FixedNoise(t, negatives, tensor(drawn, [1, negatives])));
        double tolerance = Tolerance(input, output);
        AssertClose(output, cpuOutput, torch.Output, tolerance, "noise rows");
        AssertClose(input, cpuInput, torch.Input, tolerance, "input rows");
    }

    /// <summary>Negative sampling with the noise words given.</summary>
    private sealed class FixedNoise(Tensor output, int negatives, Tensor noise) : TorchObjective(output)
    {
        private readonly NegativeSamplingLoss _ns = new(output, negatives, new DeviceSampler(NoiseDistribution.FromCounts(Counts, 0.75), new Generator(1), CPU));
        public override ObjectiveGradients Compute(Tensor hidden, Tensor targets)
        {
            _ns.RowCap = RowCap;
            return _ns.Compute(hidden, targets, noise);
        }
        public override void Dispose()
        {
            _ns.Dispose();
            base.Dispose();
        }
    }
}
