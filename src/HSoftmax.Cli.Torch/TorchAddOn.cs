using HSoftmax.Cli.AddOns;
using HSoftmax.Torch;
using HSoftmax.Training;
using Microsoft.Extensions.Logging;

namespace HSoftmax.Cli.Torch;

/// <summary>The TorchSharp engine as the tool asks for it (<c>--engine torch</c>, <c>doctor</c>).</summary>
internal sealed class TorchAddOn : IEngineAddOn
{
    public ITrainingEngine Create(EngineFlags flags, ILogger? logger) => new TorchEngine(new TorchOptions
    {
        Device = flags.Device,
        Batch = flags.Batch ?? 0,
        Samples = flags.Samples,
        Proposal = flags.UnigramProposal ? SampledProposal.Unigram : SampledProposal.LogUniform,
        RowCap = flags.RowCap,
        TuneProcess = true,
    }, logger);

    public string? FlagOf(string property) => property switch
    {
        nameof(TorchOptions.Device) => "--device",
        nameof(TorchOptions.Batch) => "--batch",
        nameof(TorchOptions.Samples) => "--samples",
        nameof(TorchOptions.RowCap) => "--row-cap",
        _ => null,
    };

    public string? Explain(Exception e) => e switch
    {
        TorchUnavailableException => e.Message,
        // libtorch's errors (out of device memory, a driver fault) carry a native backtrace: its first line says it.
        System.Runtime.InteropServices.ExternalException when e.Message.Contains("Exception raised from", StringComparison.Ordinal)
            || e.StackTrace?.Contains("TorchSharp", StringComparison.Ordinal) == true => $"libtorch: {e.Message.Split('\n')[0].Trim()}",
        _ => null,
    };

    public void Diagnose(string device, TextWriter stdout, Action<string> step)
    {
        step("load libtorch");
        var info = LibTorchInfo.Read();
        stdout.WriteLine($"TorchSharp   {info.TorchSharpVersion}, built for libtorch {info.BoundLibTorch}");
        stdout.WriteLine($"libtorch     {info.LoadedVersion ?? "version unknown"} at {info.LoadedPath ?? "?"}");
        if (info.Mismatch is { } mismatch) stdout.WriteLine($"WARNING      {mismatch}");
        stdout.WriteLine(info.CudaDriver is null ? "CUDA         no driver (libcuda.so.1 does not load)"
            : $"CUDA         driver {info.CudaDriver}; libtorch's runtime {info.CudaRuntime ?? "none (a CPU build)"}; {(info.CudaDevices.Count == 0 ? "no devices" : string.Join("; ", info.CudaDevices))}");
        stdout.WriteLine();
        stdout.WriteLine($"Operations on {device} (each named before it runs):");
        stdout.Flush();
        TorchDiagnostics.CheckOperations(device,
            name => { step(name); stdout.Write($"  {name} ... "); stdout.Flush(); },
            (_, time) => { stdout.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ok ({time.TotalMilliseconds:F1} ms)")); stdout.Flush(); });
    }
}
