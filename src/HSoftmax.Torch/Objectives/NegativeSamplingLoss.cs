using static TorchSharp.torch;

namespace HSoftmax.Torch.Objectives;

/// <summary>
/// Negative sampling: the target against k noise words drawn on the device from count^0.75 (an alias
/// table: O(1) per draw, two V-sized tensors). As the word2vec tool, a draw equal to the target is left out.
/// </summary>
internal sealed class NegativeSamplingLoss : TorchObjective
{
    private readonly int _negatives;
    private readonly DeviceSampler _noise;

    public NegativeSamplingLoss(Tensor output, int negatives, DeviceSampler noise) : base(output)
    {
        _negatives = negatives;
        _noise = noise;
    }

    public override ObjectiveGradients Compute(Tensor hidden, Tensor targets)
    {
        long batch = targets.shape[0];
        var noise = _noise.Sample([batch, _negatives]);
        return Compute(hidden, targets, noise);
    }

    /// <summary>With the noise words given ([B, k]): for tests, and the step equal to the CPU engine's.</summary>
    public ObjectiveGradients Compute(Tensor hidden, Tensor targets, Tensor noise)
    {
        long batch = targets.shape[0];
        var rows = cat([targets.unsqueeze(1), noise], 1);
        var labels = zeros([batch, noise.shape[1] + 1], dtype: hidden.dtype, device: hidden.device);
        labels.select(1, 0).fill_(Scalars.One);
        var mask = (rows != targets.unsqueeze(1)).to_type(hidden.dtype);
        mask.select(1, 0).fill_(Scalars.One);
        return BinaryLogistic(hidden, rows, labels, mask, skipSaturated: false);
    }

    public override void Dispose()
    {
        _noise.Dispose();
        base.Dispose();
    }
}
