using System.Reflection;
using System.Runtime.Loader;

namespace HSoftmax.Cli.AddOns;

/// <summary>
/// An add-on package: a .NET tool of its own (so that <c>dotnet tool install</c> installs it) whose folder
/// this tool finds and loads from. Each add-on is also the whole tool (<c>hsoftmax-torch</c> is
/// <c>hsoftmax</c> with the torch engine); the test project and the add-ons themselves see it directly.
/// </summary>
internal sealed class AddOn
{
    public static readonly AddOn Torch = new("HSoftmax.Cli.Torch", "HSoftmax.Cli.Torch.TorchAddOn", "the torch engine (TorchSharp, libtorch on the CPU or CUDA)");
    public static readonly AddOn Gpu = new("HSoftmax.Cli.Gpu", "HSoftmax.Cli.Gpu.GpuAddOn", "the gpu engine (fused CUDA kernels through ILGPU)");
    public static readonly AddOn Plots = new("HSoftmax.Cli.Plots", "HSoftmax.Cli.Plots.PlotAddOn", "pictures (ScottPlot)");

    /// <summary>Folders to look in before the ones beside the tool, separated as PATH is.</summary>
    public const string FoldersVariable = "HSOFTMAX_ADDONS";

    private static readonly Lock LoadLock = new();
    private Type? _entry;

    private AddOn(string package, string type, string what) => (Package, TypeName, What) = (package, type, what);

    /// <summary>The package id, which is also the assembly name of its entry type.</summary>
    public string Package { get; }

    public string TypeName { get; }

    /// <summary>What the add-on brings, for the message when it is missing.</summary>
    public string What { get; }

    /// <summary>How to get it, in one line.</summary>
    public string InstallHint =>
        $"{What} is an add-on: install it beside this tool with 'dotnet tool install -g {Package}' (same version and tool path); in a clone, build it: 'dotnet build -c Release src/{Package}'";

    /// <summary>The add-on's entry object, or an <see cref="AddOnMissingException"/> saying how to install it.</summary>
    public T Load<T>() where T : class
    {
        lock (LoadLock)
            _entry ??= Type.GetType($"{TypeName}, {Package}", throwOnError: false) ?? LoadFromFolder();
        return Activator.CreateInstance(_entry) as T
            ?? throw new AddOnMissingException($"{What}: {Package} is not an add-on of this version of the tool; reinstall it at this tool's version");
    }

    /// <summary>The entry type from the first folder that holds the add-on, loaded into a context of its own.</summary>
    private Type LoadFromFolder()
    {
        foreach (string folder in Folders())
        {
            string main = Path.Combine(folder, Package + ".dll");
            if (!File.Exists(main)) continue;
            try
            {
                var assembly = new AddOnContext(Package, main).LoadFromAssemblyName(new AssemblyName(Package));
                return assembly.GetType(TypeName, throwOnError: true)!;
            }
            catch (Exception e) when (e is FileLoadException or FileNotFoundException or BadImageFormatException or TypeLoadException)
            {
                throw new AddOnMissingException($"{What}: the add-on at {folder} did not load ({e.Message.Split('\n')[0]}); reinstall {Package} at this tool's version");
            }
        }
        throw new AddOnMissingException(InstallHint);
    }

    /// <summary>
    /// Where this add-on may be: <see cref="FoldersVariable"/>'s folders, then this tool's folder with its
    /// package's folder names renamed to the add-on's. One rule fits every layout that holds packages by
    /// id: a tool path's .store/hsoftmax.cli/V/hsoftmax.cli/V/tools/..., the NuGet cache's
    /// hsoftmax.cli/V/tools/... (local tools), and a clone's src/HSoftmax.Cli/bin/Release/net10.0/.
    /// The version in the path stays, so an add-on is only ever loaded at the tool's own version.
    /// </summary>
    internal IEnumerable<string> Folders()
    {
        foreach (string folder in (Environment.GetEnvironmentVariable(FoldersVariable) ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            yield return folder;
        bool renamed = false;
        string suffix = Package["HSoftmax.Cli".Length..];
        var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Select(part =>
        {
            if (!part.Equals("HSoftmax.Cli", StringComparison.OrdinalIgnoreCase)) return part;
            renamed = true;
            return part + (part.Any(char.IsUpper) ? suffix : suffix.ToLowerInvariant());
        }).ToArray();
        if (renamed) yield return string.Join(Path.DirectorySeparatorChar, parts);
    }

    /// <summary>
    /// An add-on's own load context: its dependencies come from its folder through its .deps.json (the
    /// torch add-on's TorchSharp brings SkiaSharp 2.88, the plots add-on SkiaSharp 3.119: each gets its
    /// own), native libraries too; what the tool itself carries (the core, the contract, logging) is the
    /// tool's, so the add-on's types meet the tool's.
    /// </summary>
    private sealed class AddOnContext(string name, string mainAssembly) : AssemblyLoadContext(name)
    {
        private static readonly HashSet<string> ToolAssemblies = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFileNameWithoutExtension).OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        private readonly AssemblyDependencyResolver _resolver = new(mainAssembly);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is null || ToolAssemblies.Contains(assemblyName.Name)) return null;
            return _resolver.ResolveAssemblyToPath(assemblyName) is string path ? LoadFromAssemblyPath(path) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is string path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}

/// <summary>An add-on this command needs is not installed beside the tool; the message says how to install it.</summary>
internal sealed class AddOnMissingException(string message) : Exception(message);
