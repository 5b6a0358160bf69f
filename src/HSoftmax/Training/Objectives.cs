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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsHot(int row) => (uint)(row - HotFirst) < (uint)HotCount;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Row(int row) => IsHot(row) ? Hot + (long)(row - HotFirst) * Dim : Rows + (long)row * Dim;
}

/// <summary>
/// Hierarchical softmax: P(w | h) is the product of sigmoids along w's Huffman path, so one prediction
/// costs the word's code length (log V on average) instead of V.
/// </summary>
/// <remarks>As the word2vec tool and gensim: a node with |f| >= 6 is skipped (no update).</remarks>
internal readonly unsafe struct HierarchicalSoftmax(OutputRows nodes, int* links, int words, SigmoidTables tables) : IObjective
{
    private readonly OutputRows _nodes = nodes;   // syn1: one row per inner node
    private readonly int* _links = links;         // HuffmanTree.Links: parent << 1 | branch; leaves 0..V-1, inner node j is V + j
    private readonly int _words = words;
    private readonly SigmoidTables _tables = tables;

    /// <summary>The same objective with the top of the tree redirected to a thread's private rows.</summary>
    public HierarchicalSoftmax WithHotRows(HotRowCache cache) => new(_nodes.WithHotRows(cache), _links, _words, _tables);

    public void Prefetch(int target)
    {
        if (!Sse.IsSupported) return;
        for (int link = _links[target]; link >= 0; link = _links[link >> 1])
        {
            int node = (link >> 1) - _words;
            if (_nodes.IsHot(node)) return;  // the rest of the path is the thread's private, cached rows
            Simd.Prefetch.Row(_nodes.Rows + (long)node * _nodes.Dim, _nodes.Dim);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Step(float* hidden, int target, float alpha, float* grad, ref FastRandom random)
    {
        float loss = 0;
        int dim = _nodes.Dim;
        // Leaf to root: the order of the node updates does not matter, each uses the same hidden vector.
        for (int link = _links[target]; link >= 0; link = _links[link >> 1])
        {
            float* row = _nodes.Row((link >> 1) - _words);
            float f = VectorMath.Dot(hidden, row, dim);
            int label = 1 - (link & 1);
            if (f <= -Sigmoid.MaxExp || f >= Sigmoid.MaxExp)
            {
                loss += Sigmoid.SaturatedLoss(f, label);
                continue;
            }
            int i = Sigmoid.Index(f);
            loss += label == 1 ? _tables.LossPositive[i] : _tables.LossNegative[i];
            float g = (label - _tables.Sigmoid[i]) * alpha;
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
internal readonly unsafe struct NegativeSampling(OutputRows rows, int negatives, AliasTable noise, SigmoidTables tables) : IObjective
{
    private readonly OutputRows _rows = rows;   // syn1neg: one row per word
    private readonly int _negatives = negatives;
    private readonly uint* _threshold = noise.Threshold;
    private readonly int* _alias = noise.Alias;
    private readonly uint _wordCount = (uint)noise.Count;
    private readonly SigmoidTables _tables = tables;

    /// <summary>The same objective with the most frequent words' rows redirected to a thread's private copy.</summary>
    public NegativeSampling WithHotRows(HotRowCache cache) => new(_rows.WithHotRows(cache), _negatives, new AliasTable(_threshold, _alias, (int)_wordCount), _tables);

    public void Prefetch(int target)
    {
        if (!_rows.IsHot(target)) Simd.Prefetch.Row(_rows.Rows + (long)target * _rows.Dim, _rows.Dim);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Step(float* hidden, int target, float alpha, float* grad, ref FastRandom random)
    {
        float loss = 0;
        int dim = _rows.Dim;
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
            float* row = _rows.Row(word);
            float f = VectorMath.Dot(hidden, row, dim);
            float g;
            if (f >= Sigmoid.MaxExp) { g = (label - 1) * alpha; loss += Sigmoid.SaturatedLoss(f, label); }
            else if (f <= -Sigmoid.MaxExp) { g = label * alpha; loss += Sigmoid.SaturatedLoss(f, label); }
            else
            {
                int i = Sigmoid.Index(f);
                g = (label - _tables.Sigmoid[i]) * alpha;
                loss += label == 1 ? _tables.LossPositive[i] : _tables.LossNegative[i];
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
