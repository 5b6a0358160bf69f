using HSoftmax.Training;

namespace HSoftmax.Gpu;

/// <summary>Settings of the fused-kernel GPU engine beside the shared <see cref="TrainingOptions"/>.</summary>
public sealed record GpuOptions
{
    /// <summary>
    /// cuda, cuda:N, auto (the first CUDA device) or cpu: ILGPU's CPU accelerator, which runs the same
    /// kernels on the CPU, warps and shuffles simulated. It is slow, for tests; the CPU engine trains far faster.
    /// </summary>
    public string Device { get; init; } = "auto";

    /// <summary>
    /// Warps training at once (one centre word each); 0 picks 32 per multiprocessor. Fewer is closer to
    /// sequential SGD and slower (tools/results/gpu.md).
    /// </summary>
    public int WarpsInFlight { get; init; }

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (WarpsInFlight < 0 || WarpsInFlight > 1 << 20)
            throw new InvalidOptionException(nameof(WarpsInFlight), $"must be in 1..1048576 (or 0 for the device's default), got {WarpsInFlight}");
        GpuDevice.ParseName(Device);
    }
}
