using HSoftmax.Cli.AddOns;
using HSoftmax.Gpu;
using HSoftmax.Training;
using Microsoft.Extensions.Logging;

namespace HSoftmax.Cli.Gpu;

/// <summary>The fused-kernel engine as the tool asks for it (<c>--engine gpu</c>, <c>doctor --engine gpu</c>).</summary>
internal sealed class GpuAddOn : IEngineAddOn
{
    public ITrainingEngine Create(EngineFlags flags, ILogger? logger) =>
        new GpuEngine(new GpuOptions { Device = flags.Device, WarpsInFlight = flags.GpuWarps ?? 0 }, logger);

    public string? FlagOf(string property) => property switch
    {
        nameof(GpuOptions.Device) => "--device",
        nameof(GpuOptions.WarpsInFlight) => "--gpu-warps",
        _ => null,
    };

    // A kernel launch or a device allocation failed (out of device memory, a driver fault).
    public string? Explain(Exception e) => e is ILGPU.Runtime.AcceleratorException ? $"gpu engine: {e.Message.Split('\n')[0].Trim()}" : null;

    public void Diagnose(string device, TextWriter stdout, Action<string> step)
    {
        step("open the device");
        using var opened = GpuDevice.Open(device);
        stdout.WriteLine($"ILGPU        {typeof(ILGPU.Context).Assembly.GetName().Version}");
        stdout.WriteLine($"Device       {opened.Description}");
    }
}
