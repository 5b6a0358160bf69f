using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using HSoftmax.Simd;

namespace HSoftmax.Training;

/// <summary>
/// An output layer and its loss: given a hidden vector (a context word's input vector in skip-gram, the
/// mean of the context in CBOW), predict one target word, update the output rows, and add the gradient
/// for the hidden vector into <c>grad</c>. Hierarchical softmax and negative sampling are siblings
/// behind this interface and serve skip-gram and CBOW alike.
/// </summary>
/// <remarks>Implemented by structs and used as generic arguments, so the hot loop makes no virtual calls.</remarks>
internal unsafe interface IObjective
{
    /// <summary>One SGD step; returns the loss, -log P(target | hidden).</summary>
    float Step(float* hidden, int target, float alpha, float* grad, ref FastRandom random);

    /// <summary>
    /// Asks the memory system for the output rows a prediction of <paramref name="target"/> will touch.
    /// With millions of words they are cache misses; requested together, before the first dot product,
    /// the loads overlap instead of queueing. Called once per centre word (skip-gram reuses the rows).
    /// </summary>
    void Prefetch(int target);
}

/// <summary>
/// An output matrix as an objective reads it: row r at <see cref="Rows"/> + r x <see cref="Dim"/>, except
/// rows <see cref="HotFirst"/> .. HotFirst + HotCount - 1, which a thread may redirect to its private copy
/// at <see cref="Hot"/> (see SharedHotRows).
/// </summary>
internal readonly unsafe struct OutputRows(float* rows, int dim, float* hot = null, int hotFirst = 0, int hotCount = 0)
{
    public readonly float* Rows = rows;
    public readonly int Dim = dim;
    public readonly float* Hot = hot;
    public readonly int HotFirst = hotFirst;
    public readonly int HotCount = hot == null ? 0 : hotCount;

    /// <summary>The same rows with a thread's private copy of the hot ones.</summary>
    public OutputRows WithHotRows(HotRowCache cache) => new(Rows, Dim, cache.Private, cache.FirstRow, cache.Rows);
}

/// <summary>
/// Hierarchical softmax: P(w | h) is the product of sigmoids along w's Huffman path, so one prediction
/// costs the word's code length (log V on average) instead of V.
/// </summary>
/// <remarks>As the word2vec tool and gensim: a node with |f| >= 6 is skipped (no update).</remarks>
internal readonly unsafe struct HierarchicalSoftmax : IObjective
{
    // Flat fields, read in Step as the word2vec tool reads its globals: copying them to locals, or reading
    // them through the OutputRows struct, cost 5-8% (more registers live, spills in CBOW's loop;
    // tools/results/speed-ab.md).
    private readonly float* _nodeVectors;  // syn1: one row per inner node
    private readonly int _dim;
    private readonly int* _links;          // HuffmanTree.Links: parent << 1 | branch; leaves 0..V-1, inner node j is V + j
    private readonly int _words;
    private readonly float* _sigmoid;
    private readonly float* _lossPositive;
    private readonly float* _lossNegative;
    private readonly float* _hotRows;      // this thread's copy of nodes _hotStart.. (see HotRowCache), or null
    private readonly int _hotStart;

    /// <param name="nodes">The tree's rows; its hot range, if any, must run to the last node (the top of the tree).</param>
    /// <param name="links">The tree's <see cref="Tree.HuffmanTree.Links"/>, pinned.</param>
    /// <param name="words">The number of words (leaves): inner node j is link target <c>words + j</c>.</param>
    /// <param name="tables">The sigmoid and loss lookup tables.</param>
    public HierarchicalSoftmax(OutputRows nodes, int* links, int words, SigmoidTables tables)
    {
        _nodeVectors = nodes.Rows; _dim = nodes.Dim;
        _links = links; _words = words;
        _sigmoid = tables.Sigmoid; _lossPositive = tables.LossPositive; _lossNegative = tables.LossNegative;
        _hotRows = nodes.Hot; _hotStart = nodes.HotCount == 0 ? int.MaxValue : nodes.HotFirst;
    }

    /// <summary>The same objective with the top of the tree redirected to a thread's private rows.</summary>
    public HierarchicalSoftmax WithHotRows(HotRowCache cache) =>
        new(new OutputRows(_nodeVectors, _dim).WithHotRows(cache), _links, _words, new SigmoidTables(_sigmoid, _lossPositive, _lossNegative));

    public void Prefetch(int target)
    {
        if (!Sse.IsSupported) return;
        for (int link = _links[target]; link >= 0; link = _links[link >> 1])
        {
            int node = (link >> 1) - _words;
            if (node >= _hotStart) return;  // the rest of the path is the thread's private, cached rows
            Simd.Prefetch.Row(_nodeVectors + (long)node * _dim, _dim);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Step(float* hidden, int target, float alpha, float* grad, ref FastRandom random)
    {
        float loss = 0;
        int dim = _dim;
        // Leaf to root: the order of the node updates does not matter, each uses the same hidden vector.
        for (int link = _links[target]; link >= 0; link = _links[link >> 1])
        {
            int node = (link >> 1) - _words;
            float* row = node >= _hotStart ? _hotRows + (long)(node - _hotStart) * dim : _nodeVectors + (long)node * dim;
            float f = VectorMath.Dot(hidden, row, dim);
            int label = 1 - (link & 1);
            if (f <= -Sigmoid.MaxExp || f >= Sigmoid.MaxExp)
            {
                loss += Sigmoid.SaturatedLoss(f, label);
                continue;
            }
            int i = Sigmoid.Index(f);
            loss += label == 1 ? _lossPositive[i] : _lossNegative[i];
            float g = (label - _sigmoid[i]) * alpha;
            VectorMath.UpdateOutput(g, hidden, row, grad, dim);
        }
        return loss;
    }
}

/// <summary>The noise distribution's alias table as the hot loop reads it (see <see cref="AliasSampler"/>).</summary>
internal readonly unsafe struct AliasTable(uint* threshold, int* alias, int count)
{
    public readonly uint* Threshold = threshold;
    public readonly int* Alias = alias;
    public readonly int Count = count;

    public static AliasTable Of(AliasSampler sampler) => new(Simd.Pinned.Pointer(sampler.Threshold), Simd.Pinned.Pointer(sampler.Alias), sampler.Count);
}

/// <summary>
/// Negative sampling: the target is told apart from k noise words drawn from count^0.75.
/// </summary>
/// <remarks>As the word2vec tool: f is clipped to [-6, 6] (the update still happens) and a noise draw
/// equal to the target is skipped.</remarks>
internal readonly unsafe struct NegativeSampling : IObjective
{
    // Flat fields, for the reason HierarchicalSoftmax gives.
    private readonly float* _outputVectors;  // syn1neg: one row per word
    private readonly int _dim;
    private readonly int _negatives;
    private readonly uint* _threshold;
    private readonly int* _alias;
    private readonly uint _wordCount;
    private readonly float* _sigmoid;
    private readonly float* _lossPositive;
    private readonly float* _lossNegative;
    private readonly float* _hotRows;   // this thread's copy of words 0.._hotCount-1 (see HotRowCache), or null
    private readonly int _hotCount;

    /// <param name="rows">The words' output rows; its hot range, if any, must start at word 0 (the most frequent).</param>
    /// <param name="negatives">Noise words drawn per prediction (k).</param>
    /// <param name="noise">The noise distribution's alias table.</param>
    /// <param name="tables">The sigmoid and loss lookup tables.</param>
    public NegativeSampling(OutputRows rows, int negatives, AliasTable noise, SigmoidTables tables)
    {
        _outputVectors = rows.Rows; _dim = rows.Dim; _negatives = negatives;
        _threshold = noise.Threshold; _alias = noise.Alias; _wordCount = (uint)noise.Count;
        _sigmoid = tables.Sigmoid; _lossPositive = tables.LossPositive; _lossNegative = tables.LossNegative;
        _hotRows = rows.Hot; _hotCount = rows.HotCount;
    }

    /// <summary>The same objective with the most frequent words' rows redirected to a thread's private copy.</summary>
    public NegativeSampling WithHotRows(HotRowCache cache) =>
        new(new OutputRows(_outputVectors, _dim).WithHotRows(cache), _negatives, new AliasTable(_threshold, _alias, (int)_wordCount),
            new SigmoidTables(_sigmoid, _lossPositive, _lossNegative));

    public void Prefetch(int target)
    {
        if (target >= _hotCount) Simd.Prefetch.Row(_outputVectors + (long)target * _dim, _dim);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Step(float* hidden, int target, float alpha, float* grad, ref FastRandom random)
    {
        float loss = 0;
        int dim = _dim;
        for (int k = 0; k <= _negatives; k++)
        {
            int word, label;
            if (k == 0) { word = target; label = 1; }
            else
            {
                ulong r = random.NextUInt64();
                int column = (int)(((r >> 32) * _wordCount) >> 32);
                word = (uint)r < _threshold[column] ? column : _alias[column];
                if (word == target) continue;
                label = 0;
            }
            float* row = word < _hotCount ? _hotRows + (long)word * dim : _outputVectors + (long)word * dim;
            float f = VectorMath.Dot(hidden, row, dim);
            float g;
            if (f >= Sigmoid.MaxExp) { g = (label - 1) * alpha; loss += Sigmoid.SaturatedLoss(f, label); }
            else if (f <= -Sigmoid.MaxExp) { g = label * alpha; loss += Sigmoid.SaturatedLoss(f, label); }
            else
            {
                int i = Sigmoid.Index(f);
                g = (label - _sigmoid[i]) * alpha;
                loss += label == 1 ? _lossPositive[i] : _lossNegative[i];
            }
            VectorMath.UpdateOutput(g, hidden, row, grad, dim);
        }
        return loss;
    }
}

/// <summary>Hierarchical softmax and negative sampling at once (word2vec's -hs 1 -negative k): both add to one gradient.</summary>
internal readonly unsafe struct BothObjectives : IObjective
{
    private readonly HierarchicalSoftmax _hs;
    private readonly NegativeSampling _ns;

    public BothObjectives(HierarchicalSoftmax hs, NegativeSampling ns) { _hs = hs; _ns = ns; }

    public void Prefetch(int target) { _hs.Prefetch(target); _ns.Prefetch(target); }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Step(float* hidden, int target, float alpha, float* grad, ref FastRandom random) =>
        _hs.Step(hidden, target, alpha, grad, ref random) + _ns.Step(hidden, target, alpha, grad, ref random);
}
