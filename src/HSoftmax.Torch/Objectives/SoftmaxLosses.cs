using TorchSharp;
using static TorchSharp.torch;

namespace HSoftmax.Torch.Objectives;

/// <summary>
/// The full softmax over the whole vocabulary: -log P(t | h) = logsumexp(h W^T) - h . w_t, computed with
/// the maximum subtracted. The exact reference for small vocabularies; it costs V per prediction and a
/// dense [B, V] logit matrix, so the engine refuses it where that would not fit.
/// </summary>
internal sealed class FullSoftmaxLoss(Tensor output) : TorchObjective(output)
{
    public override ObjectiveGradients Compute(Tensor hidden, Tensor targets)
    {
        var logits = hidden.matmul(Output.t());                          // [B, V]
        var logZ = logits.logsumexp(1, keepdim: true);                   // stable: subtracts the max
        var loss = logZ.squeeze(1) - logits.gather(1, targets.unsqueeze(1)).squeeze(1);
        var g = (logits - logZ).exp_();                                  // softmax
        g.scatter_add_(1, targets.unsqueeze(1), full([targets.shape[0], 1], Scalars.MinusOne, dtype: g.dtype, device: g.device));
        var rowGrads = g.t().matmul(hidden);
        if (RowCap > 0)
        {
            // Each row sums the pushes of the whole batch: capped by their total size, as sampled softmax's.
            rowGrads.mul_(RowCapping.Factor(g.abs().sum(0L), RowCap).unsqueeze(1));
        }
        return new ObjectiveGradients(loss, g.matmul(Output), null, rowGrads);
    }
}

/// <summary>
/// Sampled softmax (Jean et al. 2015): a softmax over the target and K candidates shared by the whole
/// batch, drawn from Q with replacement. A candidate's logit is corrected by subtracting log of its
/// expected count in the sample (K Q(w)); the target is in the set with certainty, so its logit stays
/// exact; candidates equal to the target (accidental hits) are removed. Then
/// sum over candidates of exp(logit - log K Q) is an unbiased estimate of the rest of the partition
/// function, and the loss approaches the full softmax loss as K grows; with every word as a candidate
/// (expected count 1) it equals it.
/// </summary>
internal sealed class SampledSoftmaxLoss : TorchObjective
{
    private readonly int _samples;
    private readonly DeviceSampler? _unigram;
    private readonly Generator? _generator;
    private readonly Tensor _logQ;  // [V] log Q(w)

    public SampledSoftmaxLoss(Tensor output, int samples, SampledProposal proposal, DeviceSampler? unigram, ReadOnlySpan<long> counts,
        double exponent, Generator? generator) : base(output)
    {
        _samples = samples;
        _generator = generator;
        int words = (int)output.shape[0];
        var logQ = new double[words];
        if (proposal == SampledProposal.LogUniform)
        {
            double norm = Math.Log(words + 1.0);
            for (int r = 0; r < words; r++) logQ[r] = Math.Log(Math.Log((r + 2.0) / (r + 1.0)) / norm);
        }
        else
        {
            _unigram = unigram ?? throw new ArgumentNullException(nameof(unigram));
            double sum = 0;
            for (int w = 0; w < words; w++) sum += Math.Pow(counts[w], exponent);
            for (int w = 0; w < words; w++) logQ[w] = Math.Log(Math.Pow(counts[w], exponent) / sum);
        }
        _logQ = tensor(logQ, dtype: output.dtype, device: output.device);
    }

    public override ObjectiveGradients Compute(Tensor hidden, Tensor targets)
    {
        var candidates = Draw();
        using var logSamples = Math.Log(_samples).ToScalar();
        var logExpected = _logQ.index_select(0, candidates) + logSamples;
        return Compute(hidden, targets, candidates, logExpected);
    }

    private Tensor Draw()
    {
        if (_unigram is not null) return _unigram.Sample([_samples]);
        // Inverse CDF of the log-uniform law: floor(exp(u log(V + 1))) - 1.
        long words = Output.shape[0];
        using var logRange = Math.Log(words + 1.0).ToScalar();
        using var last = (words - 1).ToScalar();
        var u = rand([_samples], dtype: ScalarType.Float64, device: Output.device, generator: _generator);
        return (u * logRange).exp_().floor_().sub_(Scalars.One).clamp_(Scalars.Zero, last).to_type(ScalarType.Int64);
    }

    /// <summary>The loss for a given candidate set and the log of each candidate's expected count.</summary>
    public ObjectiveGradients Compute(Tensor hidden, Tensor targets, Tensor candidates, Tensor logExpected)
    {
        var targetRows = Output.index_select(0, targets);                                  // [B, dim]
        var sampleRows = Output.index_select(0, candidates);                               // [K, dim]
        var trueLogit = (hidden * targetRows).sum(1, keepdim: true);                       // [B, 1]
        var sampled = hidden.matmul(sampleRows.t()) - logExpected.unsqueeze(0);           // [B, K]
        sampled = sampled.masked_fill(candidates.unsqueeze(0) == targets.unsqueeze(1), Scalars.NegativeInfinity);
        var logits = cat([trueLogit, sampled], 1);
        var logZ = logits.logsumexp(1, keepdim: true);
        var loss = (logZ - trueLogit).squeeze(1);
        var p = (logits - logZ).exp_();                                                    // hits: exp(-inf) = 0
        var gTrue = p.narrow(1, 0, 1) - Scalars.One;                                      // d loss / d true logit
        var gSampled = p.narrow(1, 1, candidates.shape[0]);                                // d loss / d candidate logit
        var hiddenGrad = gTrue * targetRows + gSampled.matmul(sampleRows);
        var rows = cat([targets, candidates], 0);
        var rowGrads = cat([gTrue * hidden, gSampled.t().matmul(hidden)], 0);
        if (RowCap > 0)
        {
            // A candidate row sums the pushes of the whole batch: it counts as sum over examples of
            // |d loss / d logit| updates (a target row as 1 - p per occurrence), so a frequent candidate
            // that every example pushes is capped as the tree's root is.
            var weights = cat([gTrue.abs().squeeze(1), gSampled.sum(0L)], 0);
            rowGrads.mul_(RowCapping.Scale(rows, weights, Output.shape[0], RowCap, rowGrads.dtype).unsqueeze(1));
        }
        return new ObjectiveGradients(loss, hiddenGrad, rows, rowGrads);
    }

    public override void Dispose()
    {
        _logQ.Dispose();
        _unigram?.Dispose();
        base.Dispose();
    }
}
