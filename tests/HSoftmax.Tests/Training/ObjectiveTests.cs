using HSoftmax.Training;
using HSoftmax.Tree;

namespace HSoftmax.Tests.Training;

/// <summary>One SGD step of each objective against a float64 reference written from the formulas.</summary>
public unsafe class ObjectiveTests
{
    private const int Dim = 37;  // not a multiple of 16, 8 or 4: every SIMD tail runs
    private const float Alpha = 0.05f;

    private static float[] RandomRows(int rows, int seed, double scale)
    {
        var rnd = new Random(seed);
        return Enumerable.Range(0, rows * Dim).Select(_ => (float)((rnd.NextDouble() - 0.5) * scale)).ToArray();
    }

    private static double Sigma(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>word2vec's sigmoid: exact sigmoid at the lower grid point of a 1000-cell table over [-6, 6].</summary>
    private static double TableSigma(double f) => Sigma(((int)((f + 6) * (1000 / 12.0))) / 1000.0 * 12 - 6);

    [Fact]
    public void HierarchicalSoftmaxStepMatchesReference()
    {
        long[] counts = [40, 30, 12, 9, 5, 3, 2, 1];
        var tree = HuffmanTree.Build(counts);
        const int target = 6;
        float[] nodes = RandomRows(counts.Length - 1, 1, 1.2);
        float[] hidden = RandomRows(1, 2, 1.2);

        // Reference in float64: skip nodes with |f| >= 6, as word2vec.
        double[] refNodes = nodes.Select(x => (double)x).ToArray();
        double[] refGrad = new double[Dim];
        double refLoss = 0;
        int skipped = 0;
        var path = tree.GetPath(target).ToArray();
        var code = tree.GetCode(target).ToArray();
        for (int d = 0; d < path.Length; d++)
        {
            int row = path[d] * Dim;
            double f = 0;
            for (int i = 0; i < Dim; i++) f += hidden[i] * refNodes[row + i];
            int label = 1 - code[d];
            refLoss += -Math.Log(label == 1 ? Sigma(f) : 1 - Sigma(f));
            if (Math.Abs(f) >= 6) { skipped++; continue; }
            double g = (label - TableSigma(f)) * Alpha;
            for (int i = 0; i < Dim; i++)
            {
                refGrad[i] += g * refNodes[row + i];
                refNodes[row + i] += g * hidden[i];
            }
        }
        Assert.True(path.Length >= 4);

        float[] grad = new float[Dim];
        var links = tree.Links;
        float loss;
        var random = new FastRandom(1);
        fixed (float* pNodes = nodes, pHidden = hidden, pGrad = grad)
        fixed (int* pLinks = links)
        {
            var hs = new HierarchicalSoftmax(new OutputRows(pNodes, Dim), pLinks, counts.Length, Sigmoid.Pointers);
            loss = hs.Step(pHidden, target, Alpha, pGrad, ref random);
        }

        // Same formulas and table, so only float32 rounding separates the two.
        for (int i = 0; i < Dim; i++) Assert.Equal(refGrad[i], grad[i], 2e-6);
        for (int i = 0; i < nodes.Length; i++) Assert.Equal(refNodes[i], nodes[i], 2e-6);
        Assert.True(skipped < path.Length);
        Assert.Equal(refLoss, loss, 0.01 * path.Length);
        Assert.NotEqual(refGrad.Select(x => 0.0), refGrad); // the step really moved something
    }

    [Fact]
    public void NegativeSamplingStepMatchesReference()
    {
        long[] counts = [50, 20, 20, 10, 7, 5, 3, 1, 1, 1];
        const int target = 3, negatives = 6;
        float[] output = RandomRows(counts.Length, 3, 1.0);
        float[] hidden = RandomRows(1, 4, 1.0);
        var sampler = AliasSampler.ForNegatives(counts, 0.75);

        double[] refOut = output.Select(x => (double)x).ToArray();
        double[] refGrad = new double[Dim];
        double refLoss = 0;
        var draws = new FastRandom(99);
        for (int k = 0; k <= negatives; k++)
        {
            int word = k == 0 ? target : sampler.Sample(ref draws);
            if (k > 0 && word == target) continue;
            int label = k == 0 ? 1 : 0;
            int row = word * Dim;
            double f = 0;
            for (int i = 0; i < Dim; i++) f += hidden[i] * refOut[row + i];
            // word2vec clips rather than skips for negative sampling
            double g = (label - (f >= 6 ? 1 : f <= -6 ? 0 : TableSigma(f))) * Alpha;
            refLoss += -Math.Log(label == 1 ? Sigma(f) : 1 - Sigma(f));
            for (int i = 0; i < Dim; i++)
            {
                refGrad[i] += g * refOut[row + i];
                refOut[row + i] += g * hidden[i];
            }
        }

        float[] grad = new float[Dim];
        float loss;
        var random = new FastRandom(99);
        fixed (float* pOut = output, pHidden = hidden, pGrad = grad)
        fixed (uint* threshold = sampler.Threshold)
        fixed (int* alias = sampler.Alias)
        {
            var ns = new NegativeSampling(new OutputRows(pOut, Dim), negatives, new AliasTable(threshold, alias, counts.Length), Sigmoid.Pointers);
            loss = ns.Step(pHidden, target, Alpha, pGrad, ref random);
        }
        for (int i = 0; i < Dim; i++) Assert.Equal(refGrad[i], grad[i], 2e-6);
        for (int i = 0; i < output.Length; i++) Assert.Equal(refOut[i], output[i], 2e-6);
        Assert.Equal(refLoss, loss, 0.02 * (negatives + 1));
    }

    [Fact]
    public void AliasSamplerFollowsTheWeights()
    {
        double[] weights = [5, 1, 0, 3, 1];
        var sampler = new AliasSampler(weights);
        var random = new FastRandom(5);
        var hits = new int[weights.Length];
        const int draws = 1_000_000;
        for (int i = 0; i < draws; i++) hits[sampler.Sample(ref random)]++;
        for (int i = 0; i < weights.Length; i++)
            Assert.Equal(weights[i] / 10, hits[i] / (double)draws, 0.003);
        Assert.Equal(0, hits[2]);
    }

    [Theory]
    [InlineData(1000, 1_000_000, 1e-3, 1.0)]          // rare: always kept
    [InlineData(100_000, 1_000_000, 1e-3, 0.1 + 0.01)] // f = 0.1, t/f = 0.01: sqrt 0.1 + 0.01
    [InlineData(5, 10, 0, 1.0)]                         // off
    public void SubsamplingKeepsWithSqrtPlusRatio(long count, long total, double sample, double expected)
    {
        Assert.Equal(expected, Subsampling.KeepProbability(count, total, sample), 12);
    }
}
