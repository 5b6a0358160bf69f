using TorchSharp;
using static TorchSharp.torch;

namespace HSoftmax.Torch.Objectives;

/// <summary>
/// What one objective computes for a batch of predictions: the loss of each, the gradient for each
/// hidden vector, and the gradient for each output row it touched (to be added, times -alpha, into
/// the output matrix). Gradients are of the loss, d loss / d parameter, so an SGD step subtracts them.
/// </summary>
/// <param name="Loss">[B] -log P(target | hidden) of each prediction.</param>
/// <param name="HiddenGrad">[B, dim] d loss / d hidden.</param>
/// <param name="Rows">[M] output rows touched (repeats allowed), or null when <paramref name="RowGrads"/> covers the whole matrix.</param>
/// <param name="RowGrads">[M, dim] d loss / d row for each entry of <paramref name="Rows"/> (divided by the row's
/// number of entries beyond <see cref="TorchObjective.RowCap"/>), or the dense [rows, dim] gradient.</param>
internal sealed record ObjectiveGradients(Tensor Loss, Tensor HiddenGrad, Tensor? Rows, Tensor RowGrads);

/// <summary>Per-entry scale factors for <see cref="TorchOptions.RowCap"/>.</summary>
internal static class RowCapping
{
    /// <summary>For each entry of <paramref name="rows"/>, min(1, cap / c) where c counts the (weighted) entries on the same row.</summary>
    public static Tensor Scale(Tensor rows, Tensor? weights, long rowCount, int cap, ScalarType dtype)
    {
        var counts = zeros(rowCount, dtype: dtype, device: rows.device)
            .index_add_(0, rows, weights ?? ones(rows.shape[0], dtype: dtype, device: rows.device), Scalars.One);
        return Factor(counts, cap).index_select(0, rows);
    }

    /// <summary>min(1, cap / c) for each count c.</summary>
    public static Tensor Factor(Tensor counts, int cap)
    {
        using var c = ((long)cap).ToScalar();
        return counts.clamp_min(c).reciprocal_().mul_(c);
    }
}

/// <summary>
/// An output layer and its loss for the batched engine: hierarchical softmax, negative sampling,
/// sampled softmax and the full softmax are siblings, shared by skip-gram and CBOW (as the CPU engine's
/// IObjective). Gradients are written out by hand, not by autograd: each objective touches a few rows
/// of a large matrix, and index_add_ of those rows is the whole update (see README, "TorchSharp engine").
/// </summary>
internal abstract class TorchObjective : IDisposable
{
    protected TorchObjective(Tensor output) { Output = output; }

    /// <summary>The output matrix: one row per inner tree node (hierarchical softmax) or per word.</summary>
    public Tensor Output { get; }

    /// <summary>At most this many summed updates per row and batch (see <see cref="TorchOptions.RowCap"/>); 0, the exact gradient of the batch's loss.</summary>
    public int RowCap { get; set; }

    /// <summary>Loss and gradients of a batch; updates nothing.</summary>
    public abstract ObjectiveGradients Compute(Tensor hidden, Tensor targets);

    /// <summary>Plain SGD on the output rows touched: row -= alpha * d loss / d row.</summary>
    public void Apply(ObjectiveGradients gradients, double alpha)
    {
        using var step = (-alpha).ToScalar();
        if (gradients.Rows is null) Output.add_(gradients.RowGrads, alpha: step);
        else Output.index_add_(0, gradients.Rows, gradients.RowGrads, alpha: step);
    }

    /// <summary>Frees the objective's own tables; <see cref="Output"/> belongs to the caller.</summary>
    public virtual void Dispose() { }

    /// <summary>
    /// The binary logistic loss shared by hierarchical softmax and negative sampling: each hidden vector
    /// against a few gathered rows, each with a label (1 or 0) and a mask (0 for padding and for entries
    /// left out). Loss -log sigmoid(+-f) in the stable log-sigmoid form; d loss / d f = sigmoid(f) - label.
    /// </summary>
    /// <param name="hidden">[B, dim] hidden vectors, one per prediction.</param>
    /// <param name="rows">[B, K] row ids; <paramref name="labels"/> and <paramref name="mask"/> have the same shape.</param>
    /// <param name="labels">[B, K] 1 where the row should score high, 0 where low.</param>
    /// <param name="mask">[B, K] 1 for an entry that counts, 0 for padding or one left out.</param>
    /// <param name="skipSaturated">As the word2vec tool and gensim in hierarchical softmax: no update where |f| >= 6.</param>
    protected ObjectiveGradients BinaryLogistic(Tensor hidden, Tensor rows, Tensor labels, Tensor mask, bool skipSaturated)
    {
        long batch = rows.shape[0], k = rows.shape[1], dim = hidden.shape[1];
        var flat = rows.reshape(-1);
        var vectors = Output.index_select(0, flat).view(batch, k, dim);
        var f = bmm(vectors, hidden.unsqueeze(2)).squeeze(2);                 // [B, K]
        var signed = f * (labels * Scalars.Two - Scalars.One);
        var loss = (-nn.functional.logsigmoid(signed) * mask).sum(1);
        var active = skipSaturated ? mask * (f.abs() < Scalars.Six).to_type(f.dtype) : mask;
        var g = (sigmoid(f) - labels) * active;                              // d loss / d f
        var hiddenGrad = bmm(g.unsqueeze(1), vectors).squeeze(1);             // [B, dim]
        // Scaled on [B, K] before the outer product: a pass over [B, K, dim] less.
        var gRows = RowCap > 0 ? g * RowCapping.Scale(flat, active.reshape(-1), Output.shape[0], RowCap, g.dtype).view(batch, k) : g;
        // The outer product as a batched matrix product: libtorch's GEMM, not a broadcast multiply.
        var rowGrads = bmm(gRows.unsqueeze(2), hidden.unsqueeze(1)).view(batch * k, dim);
        return new ObjectiveGradients(loss, hiddenGrad, flat, rowGrads);
    }
}
