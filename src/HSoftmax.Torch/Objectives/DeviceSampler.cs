using HSoftmax.Training;
using static TorchSharp.torch;

namespace HSoftmax.Torch.Objectives;

/// <summary>
/// Draws word ids on the device from a fixed distribution with Walker's alias method (the same table as
/// the CPU engine's, <see cref="NoiseDistribution"/>): a uniform column, kept with its probability, else its alias.
/// </summary>
internal sealed class DeviceSampler : IDisposable
{
    private readonly Tensor _keep;   // [V] float64 probability of keeping the column
    private readonly Tensor _alias;  // [V] int64
    private readonly Generator? _generator;

    public DeviceSampler(NoiseDistribution sampler, Generator? generator, Device device)
    {
        var keep = new double[sampler.Count];
        var alias = new long[sampler.Count];
        for (int i = 0; i < keep.Length; i++)
        {
            keep[i] = sampler.Thresholds[i] / 4294967296.0;
            alias[i] = sampler.Aliases[i];
        }
        _keep = tensor(keep, device: device);
        _alias = tensor(alias, device: device);
        _generator = generator;
        Count = sampler.Count;
    }

    public int Count { get; }

    /// <summary>int64 word ids of the given shape.</summary>
    public Tensor Sample(long[] shape)
    {
        var column = randint(0, Count, shape, dtype: ScalarType.Int64, device: _keep.device, generator: _generator);
        var u = rand(shape, dtype: ScalarType.Float64, device: _keep.device, generator: _generator);
        return where(u < _keep.index_select(0, column.view(-1)).view(shape), column, _alias.index_select(0, column.view(-1)).view(shape));
    }

    public void Dispose() { _keep.Dispose(); _alias.Dispose(); }
}
