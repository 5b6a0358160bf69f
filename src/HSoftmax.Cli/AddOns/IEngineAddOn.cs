using HSoftmax.Training;
using Microsoft.Extensions.Logging;

namespace HSoftmax.Cli.AddOns;

/// <summary>The flags only add-on engines read, as given on the command line.</summary>
internal sealed record EngineFlags(string Device, int? Batch, int Samples, bool UnigramProposal, int RowCap, int? GpuWarps)
{
    /// <summary>The flags as <c>train</c> defaults them, on a device.</summary>
    public static EngineFlags Defaults(string device) => new(device, null, 1024, false, 64, null);
}

/// <summary>
/// An engine shipped apart from the tool (libtorch is 800 MB installed, ILGPU is not needed on a CPU), in
/// an add-on package that <see cref="AddOn"/> finds beside the tool and loads into this process.
/// </summary>
internal interface IEngineAddOn
{
    /// <summary>The engine, made before any work, so that --device cuda without CUDA is said at once.</summary>
    ITrainingEngine Create(EngineFlags flags, ILogger? logger);

    /// <summary>The flag of an engine option's property, as <see cref="InvalidOptionException.Option"/> names it, or null if not this engine's.</summary>
    string? FlagOf(string property);

    /// <summary>A one-line message for a failure of the engine's native layer (libtorch, the CUDA driver), or null if the exception is not one.</summary>
    string? Explain(Exception e);

    /// <summary><c>doctor</c>: versions, then each native check, named through <paramref name="step"/> before it runs.</summary>
    void Diagnose(string device, TextWriter stdout, Action<string> step);
}
