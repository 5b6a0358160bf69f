using System.Runtime.InteropServices;
using HSoftmax.Training;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace HSoftmax.Gpu;

/// <summary>The shape of the simulated device ILGPU's CPU accelerator runs (tests pick small warps).</summary>
internal sealed record CpuAcceleratorShape(int WarpSize, int WarpsPerMultiprocessor, int Multiprocessors)
{
    /// <summary>One warp of 2 lanes on one multiprocessor: the reduction's shuffle runs at the least simulation cost (tests pick other shapes).</summary>
    public static CpuAcceleratorShape Default => new(2, 1, 1);
}

/// <summary>An ILGPU context and accelerator for a device name, and what it is in words.</summary>
internal sealed class GpuDevice : IDisposable
{
    private static int s_resolverSet;

    private GpuDevice(Context context, Accelerator accelerator, string description)
    {
        Context = context;
        Accelerator = accelerator;
        Description = description;
    }

    public Context Context { get; }
    public Accelerator Accelerator { get; }
    public string Description { get; }
    public bool IsCpu => Accelerator.AcceleratorType == AcceleratorType.CPU;

    /// <summary>(cuda?, device index) for a name; throws <see cref="InvalidOptionException"/> for one that is none of cpu, cuda, cuda:N, auto.</summary>
    public static (bool Cuda, int Index) ParseName(string name)
    {
        string key = name.Trim().ToLowerInvariant();
        if (key == "cpu") return (false, 0);
        if (key is "cuda" or "auto") return (true, 0);
        if (key.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(key.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture, out int index) && index >= 0)
            return (true, index);
        throw new InvalidOptionException(nameof(GpuOptions.Device), $"must be cuda, cuda:N, auto or cpu (ILGPU's CPU accelerator, for tests), got '{name}'");
    }

    /// <summary>
    /// Opens the device. Throws <see cref="InvalidOptionException"/> naming Device, in one line, when no
    /// CUDA driver or device is there.
    /// </summary>
    public static GpuDevice Open(string name, CpuAcceleratorShape? cpuShape = null)
    {
        var (cuda, index) = ParseName(name);
        if (!cuda)
        {
            var shape = cpuShape ?? CpuAcceleratorShape.Default;
            var context = Context.Create(b => b.CPU(new CPUDevice(shape.WarpSize, shape.WarpsPerMultiprocessor, shape.Multiprocessors)).Optimize(OptimizationLevel.O2));
            try
            {
                var accelerator = context.CreateCPUAccelerator(0, CPUAcceleratorMode.Parallel);
                return new GpuDevice(context, accelerator,
                    $"ILGPU's CPU accelerator ({shape.Multiprocessors} x {shape.WarpsPerMultiprocessor} warps of {shape.WarpSize} lanes; for tests: the cpu engine is far faster)");
            }
            catch
            {
                context.Dispose();
                throw;
            }
        }

        string driver = LoadCudaDriver();
        Context? cudaContext = null;
        try
        {
            cudaContext = Context.Create(b => b.Cuda().Optimize(OptimizationLevel.O2));
            var devices = cudaContext.GetCudaDevices();
            if (devices.Count == 0)
                throw new InvalidOptionException(nameof(GpuOptions.Device), driver.Length == 0
                    ? "no CUDA driver was found (libcuda.so.1 did not load): the gpu engine needs an NVIDIA GPU and its driver; use --engine cpu on this machine"
                    : $"the CUDA driver ({driver}) reports no usable device; use --engine cpu on this machine");
            if (index >= devices.Count)
                throw new InvalidOptionException(nameof(GpuOptions.Device), $"cuda:{index} was asked for but the driver reports {devices.Count} device(s)");
            var device = devices[index];
            var accelerator = device.CreateAccelerator(cudaContext);
            return new GpuDevice(cudaContext, accelerator,
                $"cuda:{index} {device.Name} ({accelerator.NumMultiprocessors} multiprocessors, {accelerator.MemorySize / (1L << 30)} GiB, sm_{device.Architecture?.Major}{device.Architecture?.Minor}, driver {device.DriverVersion})");
        }
        catch (Exception e) when (e is not InvalidOptionException)
        {
            cudaContext?.Dispose();
            throw new InvalidOptionException(nameof(GpuOptions.Device), $"CUDA could not be started ({e.GetType().Name}: {e.Message.Split('\n')[0]})");
        }
        catch
        {
            cudaContext?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// ILGPU imports the driver as "cuda", which on Linux the runtime looks for as libcuda.so, a name only
    /// the CUDA toolkit's development files provide; the driver itself installs libcuda.so.1. Returns the
    /// path loaded, or "" when none loads.
    /// </summary>
    private static string LoadCudaDriver()
    {
        foreach (string candidate in OperatingSystem.IsWindows() ? ["nvcuda.dll"] : new[] { "libcuda.so.1", "libcuda.so" })
        {
            if (!NativeLibrary.TryLoad(candidate, out var handle)) continue;
            if (Interlocked.Exchange(ref s_resolverSet, 1) == 0)
            {
                try
                {
                    NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, (library, _, _) => library == "cuda" ? handle : IntPtr.Zero);
                }
                catch (InvalidOperationException) { }  // ILGPU set its own (WSL): it finds the driver itself
            }
            return candidate;
        }
        return "";
    }

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}
