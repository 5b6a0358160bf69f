using HSoftmax.Tree;
using TorchSharp;
using static TorchSharp.torch;

namespace HSoftmax.Torch.Objectives;

/// <summary>
/// Hierarchical softmax: -log P(w | h) = -sum over w's Huffman path of log sigmoid(+-h . node), so a
/// prediction costs the code length (log V), never V. The paths live on the device as a [V, max depth]
/// table of node ids and code bits, gathered by target word: only word ids cross from the host.
/// </summary>
internal sealed class HierarchicalSoftmaxLoss : TorchObjective
{
    private readonly Tensor _nodes;   // [V, D] int32 inner-node ids, root first, padded with 0
    private readonly Tensor _labels;  // [V, D] float: 1 - code bit (word2vec's label)
    private readonly Tensor _depth;   // [V] int64 code lengths
    private readonly Tensor _columns; // [D] 0..D-1

    public HierarchicalSoftmaxLoss(Tensor output, HuffmanTree tree, Device device) : base(output)
    {
        int words = tree.WordCount, depth = Math.Max(1, tree.MaxDepth);
        var nodes = new int[(long)words * depth];
        var labels = new float[(long)words * depth];
        var lengths = new long[words];
        for (int w = 0; w < words; w++)
        {
            var path = tree.GetPath(w);
            var code = tree.GetCode(w);
            lengths[w] = path.Length;
            for (int d = 0; d < path.Length; d++)
            {
                nodes[(long)w * depth + d] = path[d];
                labels[(long)w * depth + d] = 1 - code[d];
            }
        }
        _nodes = tensor(nodes, [words, depth], device: device);
        _labels = tensor(labels, [words, depth], dtype: output.dtype, device: device);
        _depth = tensor(lengths, device: device);
        using var columns = ((long)depth).ToScalar();
        _columns = arange(columns, dtype: ScalarType.Int64, device: device);
    }

    public override ObjectiveGradients Compute(Tensor hidden, Tensor targets)
    {
        var (rows, labels, mask) = Paths(targets);
        return BinaryLogistic(hidden, rows, labels, mask, skipSaturated: true);
    }

    /// <summary>[B, D] node ids, labels and mask of the targets' paths, gathered on the device.</summary>
    public (Tensor Nodes, Tensor Labels, Tensor Mask) Paths(Tensor targets) =>
        (_nodes.index_select(0, targets).to_type(ScalarType.Int64),
         _labels.index_select(0, targets),
         (_columns.unsqueeze(0) < _depth.index_select(0, targets).unsqueeze(1)).to_type(_labels.dtype));

    public override void Dispose()
    {
        _nodes.Dispose(); _labels.Dispose(); _depth.Dispose(); _columns.Dispose();
        base.Dispose();
    }
}
