using HSoftmax.Training;
using TorchSharp;

namespace HSoftmax.Torch;

/// <summary>Picks the libtorch device for cpu, cuda or auto, and says why.</summary>
internal static class TorchDevice
{
    /// <summary>
    /// "cpu", "cuda" (or "cuda:N"), or "auto": CUDA where libtorch reports it, else the CPU with the
    /// reason in <paramref name="note"/>. Throws <see cref="InvalidOptionException"/> naming Device when
    /// CUDA is asked for and is not there.
    /// </summary>
    public static torch.Device Resolve(string name, out string note)
    {
        string key = name.Trim().ToLowerInvariant();
        bool cuda = CudaAvailable();
        if (key == "cpu")
        {
            note = "cpu (asked for)";
            return torch.CPU;
        }
        if (key == "auto")
        {
            if (cuda) { note = $"cuda ({torch.cuda.device_count()} device(s) reported by libtorch)"; return torch.CUDA; }
            note = "cpu: libtorch reports no CUDA device (this build's libtorch is the CPU package unless built with -p:HSoftmaxLibTorch=cuda or none; see README)";
            return torch.CPU;
        }
        if (key == "cuda" || key.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda)
                throw new InvalidOptionException(nameof(TorchOptions.Device), "CUDA was asked for but libtorch reports no CUDA device; this build's libtorch is the CPU package unless built with -p:HSoftmaxLibTorch=cuda or none (see README)");
            note = $"{key} (asked for)";
            return new torch.Device(key);
        }
        throw new InvalidOptionException(nameof(TorchOptions.Device), $"must be cpu, cuda, cuda:N or auto, got '{name}'");
    }

    /// <summary>
    /// The random generator the engine's ops draw from: a seeded one of its own on the CPU; null on CUDA,
    /// where the ops draw from the device's default generator, seeded here only when the caller lets the
    /// engine change process-wide state (<see cref="TorchOptions.TuneProcess"/>).
    /// </summary>
    /// <remarks>
    /// TorchSharp 0.107 makes every Generator on the CPU, whatever device it is given (THSGenerator_new
    /// ignores it). Given to an op on CUDA, libtorch throws "Expected a 'cuda' device type for generator
    /// but found 'cpu'" inside TorchSharp's native wrapper, which catches it but returns its uninitialised
    /// tensor handle instead of null; the managed side does not see the error, and the next op on that
    /// tensor dereferences garbage. That was the engine's segfault on CUDA (issue 12): the first op after
    /// the subsampling draw is its <c>u &lt; keep</c>, and the backtrace ended in THSTensor_lt.
    /// A CUDA run is not bit-repeatable in any case: index_add_ adds with atomics in no fixed order.
    /// </remarks>
    internal static torch.Generator? CreateGenerator(torch.Device device, ulong seed, bool seedDeviceDefault)
    {
        if (device.type == DeviceType.CPU) return new torch.Generator(seed, device);
        if (seedDeviceDefault && device.type == DeviceType.CUDA) torch.cuda.manual_seed_all((long)seed);  // every device, cuda:N included
        return null;
    }

    /// <summary>The first call into libtorch: where the native library cannot be loaded, says so in one line.</summary>
    private static bool CudaAvailable()
    {
        try
        {
            return torch.cuda.is_available();
        }
        catch (TypeInitializationException e) when (e.InnerException is NotSupportedException or DllNotFoundException)
        {
            throw new TorchUnavailableException(
                "libtorch could not be loaded; a build with -p:HSoftmaxLibTorch=none needs libtorch 2.10 on LD_LIBRARY_PATH (an installed PyTorch's torch/lib, see tools/gpu_run.sh)", e);
        }
    }
}

/// <summary>libtorch's native libraries are missing or do not load.</summary>
public sealed class TorchUnavailableException(string message, Exception inner) : Exception(message, inner);
