using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;

namespace HSoftmax.Cli.AddOns;

/// <summary>
/// An add-on package: a .NET tool of its own (so that <c>dotnet tool install</c> installs it) whose folder
/// this tool finds and loads from. Each add-on is also the whole tool (<c>hsoftmax-torch</c> is
/// <c>hsoftmax</c> with the torch engine); the test project and the add-ons themselves see it directly.
/// </summary>
internal sealed partial class AddOn
{
    public static readonly AddOn Torch = new("HSoftmax.Cli.Torch", "HSoftmax.Cli.Torch.TorchAddOn", "the torch engine (TorchSharp, libtorch on the CPU or CUDA)");
    public static readonly AddOn Gpu = new("HSoftmax.Cli.Gpu", "HSoftmax.Cli.Gpu.GpuAddOn", "the gpu engine (fused CUDA kernels through ILGPU)");
    public static readonly AddOn Plots = new("HSoftmax.Cli.Plots", "HSoftmax.Cli.Plots.PlotAddOn", "pictures (ScottPlot)");

    /// <summary>Folders to look in before the ones beside the tool, separated as PATH is.</summary>
    public const string FoldersVariable = "HSOFTMAX_ADDONS";

    /// <summary>
    /// What an add-on shares with the tool beside .NET's own assemblies: the contract's. (Its other
    /// assemblies, logging's abstractions and System.CommandLine, are shared by name as .NET's are.)
    /// </summary>
    private static readonly HashSet<string> Shared = new(StringComparer.OrdinalIgnoreCase) { "HSoftmax", "HSoftmax.Cli" };

    private static readonly Lock LoadLock = new();
    private Type? _entry;

    private AddOn(string package, string type, string what) => (Package, TypeName, What) = (package, type, what);

    /// <summary>The package id, which is also the assembly name of its entry type.</summary>
    public string Package { get; }

    public string TypeName { get; }

    /// <summary>What the add-on brings, for the message when it is missing.</summary>
    public string What { get; }

    /// <summary>How to get it, in one line: the tool's own configuration when it runs from a clone's build.</summary>
    public string InstallHint
    {
        get
        {
            var clone = CloneBuild().Match(AppContext.BaseDirectory);
            return clone.Success
                ? $"{What} is an add-on: build it beside this tool with 'dotnet build -c {clone.Groups[1].Value} src/{Package}'"
                : $"{What} is an add-on: install it beside this tool with 'dotnet tool install -g {Package} --add-source FOLDER' (the folder you packed it into, or a feed that serves it; same version and tool path as this tool)";
        }
    }

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
                string tool = Version(typeof(AddOn).Assembly), found = Version(assembly);
                if (found != tool)
                    throw new AddOnMissingException($"{What}: the add-on at {folder} is version {found}, this tool {tool}; install {Package} at the tool's version");
                return assembly.GetType(TypeName, throwOnError: true)!;
            }
            catch (Exception e) when (e is not (AddOnMissingException or OutOfMemoryException))
            {
                // A damaged folder, a .deps.json that does not parse, a missing dependency: one line.
                throw new AddOnMissingException($"{What}: the add-on at {folder} did not load ({e.Message.Split('\n')[0]}); reinstall {Package} at this tool's version");
            }
        }
        throw new AddOnMissingException(InstallHint);
    }

    /// <summary>The version an assembly was built as, with SourceLink's commit: a tool and its add-ons are built together.</summary>
    private static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "?";

    /// <summary>
    /// Where this add-on may be: <see cref="FoldersVariable"/>'s folders, then this tool's folder with its
    /// package's folder names renamed to the add-on's. One rule fits every layout that holds packages by
    /// id: a tool path's .store/hsoftmax.cli/V/hsoftmax.cli/V/tools/..., the NuGet cache's
    /// hsoftmax.cli/V/tools/... (local tools), and a clone's src/HSoftmax.Cli/bin/Release/net10.0/. The
    /// running tool may be an add-on itself (hsoftmax-torch finds the plots add-on the same way).
    /// </summary>
    internal IEnumerable<string> Folders()
    {
        foreach (string folder in (Environment.GetEnvironmentVariable(FoldersVariable) ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            yield return Path.GetFullPath(folder);
        bool renamed = false;
        var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Select(part =>
        {
            if (!ToolPackageFolder().IsMatch(part)) return part;
            renamed = true;
            return part.Any(char.IsUpper) ? Package : Package.ToLowerInvariant();
        }).ToArray();
        if (renamed) yield return string.Join(Path.DirectorySeparatorChar, parts);
    }

    [GeneratedRegex(@"^hsoftmax\.cli(\.(torch|gpu|plots))?$", RegexOptions.IgnoreCase)]
    private static partial Regex ToolPackageFolder();

    [GeneratedRegex(@"[/\\]src[/\\]HSoftmax\.Cli(?:\.\w+)?[/\\]bin[/\\]([^/\\]+)[/\\]")]
    private static partial Regex CloneBuild();

    /// <summary>
    /// An add-on's own load context: its dependencies come from its folder through its .deps.json (the
    /// torch add-on's TorchSharp brings SkiaSharp 2.88, the plots add-on SkiaSharp 3.119: each gets its
    /// own), native libraries too. Only .NET itself and the contract's assemblies (<see cref="Shared"/>)
    /// are the tool's, so the add-on's types meet the tool's.
    /// </summary>
    private sealed class AddOnContext(string name, string mainAssembly) : AssemblyLoadContext(name)
    {
        /// <summary>What the tool's own context loads (its .deps.json and .NET): all that may be shared.</summary>
        private static readonly HashSet<string> ToolAssemblies = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFileNameWithoutExtension).OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        private readonly AssemblyDependencyResolver _resolver = new(mainAssembly);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is string simple && ToolAssemblies.Contains(simple) && (Shared.Contains(simple) || IsDotNet(simple))) return null;
            return _resolver.ResolveAssemblyToPath(assemblyName) is string path ? LoadFromAssemblyPath(path) : null;
        }

        /// <summary>.NET's own assemblies (and Microsoft.Extensions): by name, since a self-contained tool keeps them beside its own.</summary>
        private static bool IsDotNet(string simple) =>
            simple.StartsWith("System.", StringComparison.Ordinal) || simple.StartsWith("Microsoft.", StringComparison.Ordinal)
            || simple is "System" or "netstandard" or "mscorlib" or "WindowsBase";

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is string path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}

/// <summary>An add-on this command needs is not installed beside the tool; the message says how to install it.</summary>
internal sealed class AddOnMissingException(string message) : Exception(message);
