using ILGPU;
using ILGPU.Runtime;

namespace HSoftmax.Gpu.Kernels;

/// <summary>Everything one launch of <see cref="TrainKernel"/> reads and writes; views on the device.</summary>
internal struct TrainArgs
{
    public ArrayView<float> Input;        // [V, dim] word vectors (syn0)
    public ArrayView<float> TreeRows;     // [V - 1, dim] inner nodes (syn1), or empty without hierarchical softmax
    public ArrayView<float> NoiseRows;    // [V, dim] output words (syn1neg), or empty without negative sampling
    public ArrayView<float> TreeStart;    // the hot tree rows as the launch began: [HotTree, dim]
    public ArrayView<float> NoiseStart;   // the hot noise rows as the launch began: [HotNoise, dim]
    public ArrayView<int> PathStart;      // [V + 1]: word w's path is PathLinks[PathStart[w] .. PathStart[w + 1])
    public ArrayView<int> PathLinks;      // inner node << 1 | code bit, root first
    public ArrayView<uint> Thresholds;    // the noise alias table (NoiseDistribution)
    public ArrayView<int> Aliases;
    public ArrayView<float> Sigmoid;      // the CPU engine's three tables: 1001 entries over [-6, 6]
    public ArrayView<float> LossPositive;
    public ArrayView<float> LossNegative;
    public ArrayView<int> Words;          // this launch's words, kept by subsampling
    public ArrayView<int> Sentences;      // each word's sentence number: windows stop where it changes
    public ArrayView<double> Loss;        // per warp, added to across launches
    public ArrayView<long> Predictions;   // per warp, added to across launches
    public int Count;                     // words in this launch
    public int Dim;
    public int Window;
    public int Hs;                        // 1 with hierarchical softmax
    public int Negatives;                 // 0 without negative sampling
    public int WordCount;
    public int HotTreeFirst;              // first hot inner node (HotTree rows up to the root)
    public int HotTree;
    public int HotNoise;                  // hot noise rows: words 0 .. HotNoise - 1
    public int Cbow;                      // 1 for CBOW, 0 for skip-gram
    public int CbowMean;
    public float Alpha;
    public float MergeWeight;             // 1 / blocks: each block's change to the hot rows lands as the mean
    public ulong Seed;                    // the run's seed mixed with the epoch
    public long FirstToken;               // this launch's first word's place in the epoch
}

/// <summary>
/// The fused training kernel: one warp per centre word, its lanes splitting the dimensions, the Huffman
/// path walked (or the negatives drawn) inside the kernel, each dot product a warp-shuffle sum, the
/// hidden vector's gradient kept beside it and written once per prediction. The same arithmetic as the
/// CPU engine's step (SkipGramTrainer, CbowTrainer and their objectives), node by node.
/// </summary>
/// <remarks>
/// <para><b>Who takes which word.</b> Each warp takes a contiguous run of the launch's words, in order, as
/// a CPU thread takes its sentences: warps in flight at the same time work a run apart, so their windows
/// rarely share an input row. Rows are written Hogwild, as the CPU engine writes them.</para>
/// <para><b>The rows every prediction writes.</b> Every path ends at the root, so thousands of warps would
/// write it at once, each adding a correction computed from the same stale row. Each block trains on its
/// own copy of the top HotTree inner nodes (and of HotNoise noise rows, none by default) in shared
/// memory, loaded when the launch starts, and at its end adds its change weighted 1 / blocks, the mean
/// of the blocks' changes: the CPU engine's merge rule (HotRowCache), one merge per launch. Only rows
/// that settle within a block's few hundred words may be averaged: the engine keeps the top 4
/// (tools/results/gpu.md). Other rows are written Hogwild, as the CPU engine writes them.</para>
/// <para><b>Shared memory per block.</b> [HotTree x dim][HotNoise x dim], then per warp [hidden x dim][grad x dim].
/// Each lane touches only its own dimensions of hidden and grad, so they need no barrier.</para>
/// </remarks>
internal static class TrainKernel
{
    private const float MaxExp = 6f;
    private const float TableScale = 1000 / MaxExp / 2;

    public static void Train(TrainArgs a)
    {
        var shared = SharedMemory.GetDynamic<float>();
        int dim = a.Dim;
        int lanes = Warp.WarpSize;
        int lane = Warp.LaneIdx;
        int warpsPerGroup = Group.DimX / lanes;
        int warpInGroup = Group.IdxX / lanes;
        int warp = Grid.IdxX * warpsPerGroup + warpInGroup;
        int warps = Grid.DimX * warpsPerGroup;

        int treeFloats = a.HotTree * dim, noiseFloats = a.HotNoise * dim;
        for (int i = Group.IdxX; i < treeFloats; i += Group.DimX) shared[i] = a.TreeStart[i];
        for (int i = Group.IdxX; i < noiseFloats; i += Group.DimX) shared[treeFloats + i] = a.NoiseStart[i];
        Group.Barrier();

        var hotTree = shared.SubView(0, Math.Max(treeFloats, 1));
        var hotNoise = shared.SubView(treeFloats, Math.Max(noiseFloats, 1));
        var hidden = shared.SubView(treeFloats + noiseFloats + 2L * warpInGroup * dim, dim);
        var grad = shared.SubView(treeFloats + noiseFloats + 2L * warpInGroup * dim + dim, dim);

        int per = (a.Count + warps - 1) / warps;
        int from = Math.Min(a.Count, warp * per), to = Math.Min(a.Count, from + per);
        double loss = 0;
        long predictions = 0;
        for (int t = from; t < to; t++)
        {
            int centre = a.Words[t], sentence = a.Sentences[t];
            ulong random = KernelRandom.ForToken(a.Seed, a.FirstToken + t);
            int reduce = KernelRandom.NextInt(ref random, a.Window);
            int start = Math.Max(0, t - a.Window + reduce), end = Math.Min(a.Count, t + a.Window - reduce + 1);
            if (a.Cbow == 0)
            {
                for (int j = start; j < end; j++)
                {
                    if (j == t || a.Sentences[j] != sentence) continue;
                    long row = (long)a.Words[j] * dim;
                    for (int d = lane; d < dim; d += lanes) { hidden[d] = a.Input[row + d]; grad[d] = 0; }
                    loss += Predict(a, hotTree, hotNoise, hidden, grad, centre, ref random);
                    predictions++;
                    for (int d = lane; d < dim; d += lanes) a.Input[row + d] += grad[d];
                }
            }
            else
            {
                int contexts = 0;
                for (int d = lane; d < dim; d += lanes) { hidden[d] = 0; grad[d] = 0; }
                for (int j = start; j < end; j++)
                {
                    if (j == t || a.Sentences[j] != sentence) continue;
                    long row = (long)a.Words[j] * dim;
                    for (int d = lane; d < dim; d += lanes) hidden[d] += a.Input[row + d];
                    contexts++;
                }
                if (contexts == 0) continue;
                if (a.CbowMean != 0)
                {
                    float scale = 1f / contexts;
                    for (int d = lane; d < dim; d += lanes) hidden[d] *= scale;
                }
                loss += Predict(a, hotTree, hotNoise, hidden, grad, centre, ref random);
                predictions++;
                for (int j = start; j < end; j++)
                {
                    if (j == t || a.Sentences[j] != sentence) continue;
                    long row = (long)a.Words[j] * dim;
                    for (int d = lane; d < dim; d += lanes) a.Input[row + d] += grad[d];
                }
            }
        }
        if (lane == 0 && warp < a.Loss.Length)
        {
            a.Loss[warp] += loss;
            a.Predictions[warp] += predictions;
        }

        Group.Barrier();
        for (int i = Group.IdxX; i < treeFloats; i += Group.DimX)
            Atomic.Add(ref a.TreeRows[(long)a.HotTreeFirst * dim + i], (shared[i] - a.TreeStart[i]) * a.MergeWeight);
        for (int i = Group.IdxX; i < noiseFloats; i += Group.DimX)
            Atomic.Add(ref a.NoiseRows[i], (shared[treeFloats + i] - a.NoiseStart[i]) * a.MergeWeight);
    }

    /// <summary>One prediction of <paramref name="target"/> from <paramref name="hidden"/>: updates the output rows and adds into grad; returns the loss.</summary>
    private static float Predict(in TrainArgs a, ArrayView<float> hotTree, ArrayView<float> hotNoise, ArrayView<float> hidden, ArrayView<float> grad,
        int target, ref ulong random)
    {
        int dim = a.Dim, lanes = Warp.WarpSize, lane = Warp.LaneIdx;
        float loss = 0;
        if (a.Hs != 0)
        {
            for (int p = a.PathStart[target], end = a.PathStart[target + 1]; p < end; p++)
            {
                int link = a.PathLinks[p];
                int node = link >> 1;
                int label = 1 - (link & 1);
                var row = node >= a.HotTreeFirst
                    ? hotTree.SubView((long)(node - a.HotTreeFirst) * dim, dim)
                    : a.TreeRows.SubView((long)node * dim, dim);
                float f = Dot(hidden, row, dim, lane, lanes);
                if (f <= -MaxExp || f >= MaxExp)
                {
                    loss += (label == 1) == (f > 0) ? 0f : Math.Abs(f);
                    continue;
                }
                int i = (int)((f + MaxExp) * TableScale);
                loss += label == 1 ? a.LossPositive[i] : a.LossNegative[i];
                Update((label - a.Sigmoid[i]) * a.Alpha, hidden, row, grad, dim, lane, lanes);
            }
        }
        for (int k = 0; a.Negatives > 0 && k <= a.Negatives; k++)
        {
            int word, label;
            if (k == 0) { word = target; label = 1; }
            else
            {
                ulong r = KernelRandom.Next(ref random);
                int column = (int)(((r >> 32) * (ulong)(uint)a.WordCount) >> 32);
                word = (uint)r < a.Thresholds[column] ? column : a.Aliases[column];
                if (word == target) continue;
                label = 0;
            }
            var row = word < a.HotNoise ? hotNoise.SubView((long)word * dim, dim) : a.NoiseRows.SubView((long)word * dim, dim);
            float f = Dot(hidden, row, dim, lane, lanes);
            float g;
            if (f >= MaxExp) { g = (label - 1) * a.Alpha; loss += label == 1 ? 0f : f; }
            else if (f <= -MaxExp) { g = label * a.Alpha; loss += label == 1 ? -f : 0f; }
            else
            {
                int i = (int)((f + MaxExp) * TableScale);
                g = (label - a.Sigmoid[i]) * a.Alpha;
                loss += label == 1 ? a.LossPositive[i] : a.LossNegative[i];
            }
            Update(g, hidden, row, grad, dim, lane, lanes);
        }
        return loss;
    }

    /// <summary>hidden . row, summed across the warp: every lane gets the whole sum.</summary>
    private static float Dot(ArrayView<float> hidden, ArrayView<float> row, int dim, int lane, int lanes)
    {
        float sum = 0;
        for (int d = lane; d < dim; d += lanes) sum += hidden[d] * row[d];
        for (int offset = lanes / 2; offset > 0; offset /= 2) sum += Warp.ShuffleXor(sum, offset);
        return sum;
    }

    /// <summary>grad += g row; row += g hidden (word2vec's order: the gradient takes the row before its update).</summary>
    private static void Update(float g, ArrayView<float> hidden, ArrayView<float> row, ArrayView<float> grad, int dim, int lane, int lanes)
    {
        for (int d = lane; d < dim; d += lanes)
        {
            float r = row[d];
            grad[d] += g * r;
            row[d] = r + g * hidden[d];
        }
    }
}
