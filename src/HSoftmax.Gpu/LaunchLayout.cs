using HSoftmax.Training;
using ILGPU;
using ILGPU.Runtime;

namespace HSoftmax.Gpu;

/// <summary>How a launch is shaped: blocks, warps, and what each block keeps in shared memory.</summary>
internal sealed record LaunchLayout(int Blocks, int WarpsPerBlock, int Lanes, int HotTree, int HotNoise, int SharedFloats)
{
    /// <summary>Warps in flight on a CUDA device when none are asked for, per multiprocessor (half of an H200's 64).</summary>
    public const int DefaultWarpsPerMultiprocessor = 32;

    public int Warps => Blocks * WarpsPerBlock;

    public KernelConfig Config => new(Blocks, WarpsPerBlock * Lanes, SharedMemoryConfig.RequestDynamic<float>(SharedFloats));

    /// <summary>
    /// Fits per-warp scratch (hidden and gradient, 2 x dim floats) and the hot rows into a block's shared
    /// memory: the scratch first (fewer warps per block if need be), then tree rows, then noise rows.
    /// </summary>
    public static LaunchLayout For(Accelerator accelerator, int dim, int warpsPerBlock, int warpsInFlight, int hotTree, int hotNoise)
    {
        int lanes = accelerator.WarpSize;
        int budget = (int)Math.Min(int.MaxValue, accelerator.MaxSharedMemoryPerGroup / sizeof(float));
        warpsPerBlock = Math.Min(warpsPerBlock, Math.Max(1, accelerator.MaxNumThreadsPerGroup / lanes));
        warpsPerBlock = Math.Min(warpsPerBlock, budget / 2 / (2 * dim));
        if (warpsPerBlock < 1)
            throw new InvalidOptionException(nameof(TrainingOptions.Dim), $"{dim} dimensions do not fit the GPU engine's scratch in {accelerator.MaxSharedMemoryPerGroup / 1024} KB of shared memory per block; at most {budget / 4} fit");
        int rowsLeft = (budget - warpsPerBlock * 2 * dim) / dim;
        hotTree = Math.Max(0, Math.Min(hotTree, rowsLeft));
        hotNoise = Math.Max(0, Math.Min(hotNoise, rowsLeft - hotTree));
        int warps = warpsInFlight > 0 ? warpsInFlight
            : accelerator.AcceleratorType == AcceleratorType.CPU ? accelerator.NumMultiprocessors * warpsPerBlock
            : accelerator.NumMultiprocessors * DefaultWarpsPerMultiprocessor;
        warpsPerBlock = Math.Min(warpsPerBlock, warps);
        int blocks = (warps + warpsPerBlock - 1) / warpsPerBlock;
        return new LaunchLayout(blocks, warpsPerBlock, lanes, hotTree, hotNoise, (hotTree + hotNoise + 2 * warpsPerBlock) * dim);
    }
}
