using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace HSoftmax.Torch;

/// <summary>What libtorch and CUDA this process runs on: the facts <c>hsoftmax doctor</c> prints and the engine logs.</summary>
/// <param name="TorchSharpVersion">The TorchSharp assembly's version (major.minor.patch).</param>
/// <param name="BoundLibTorch">The libtorch version TorchSharp was built for (<see cref="BoundVersion"/>).</param>
/// <param name="LoadedPath">The libtorch_cpu.so this process has loaded; null when it cannot be found (or not on Linux).</param>
/// <param name="LoadedVersion">The loaded libtorch's version; null when it cannot be found.</param>
/// <param name="CudaRuntime">The CUDA version the loaded libtorch was built with, where PyTorch's version.py says; else null.</param>
/// <param name="CudaDriver">The CUDA driver's version, such as "12.8"; null without a driver or when not asked.</param>
/// <param name="CudaDevices">One line per CUDA device ("cuda:0 name, memory"); empty without a driver or when not asked.</param>
public sealed record LibTorchInfo(string TorchSharpVersion, string BoundLibTorch, string? LoadedPath, string? LoadedVersion, string? CudaRuntime,
    string? CudaDriver, IReadOnlyList<string> CudaDevices)
{
    /// <summary>The libtorch TorchSharp 0.107 is compiled against (Directory.Packages.props: libtorch-cpu-linux-x64 2.10.0).</summary>
    public const string BoundVersion = "2.10.0";

    /// <summary>
    /// Whether the loaded libtorch is the one TorchSharp was built for, by major.minor; null when its
    /// version cannot be found. A different one may export other symbols or lay out structures otherwise.
    /// </summary>
    public bool? VersionMatches => LoadedVersion is null ? null : MajorMinor(LoadedVersion) == MajorMinor(BoundLibTorch);

    /// <summary>One line for the log when the versions differ, else null.</summary>
    public string? Mismatch => VersionMatches == false
        ? $"libtorch {LoadedVersion} is loaded ({LoadedPath}) but TorchSharp {TorchSharpVersion} was built for {BoundLibTorch}; if an operation fails, use a PyTorch whose libtorch is {MajorMinor(BoundLibTorch)}"
        : null;

    /// <summary>Reads the facts; loads libtorch if no call has yet.</summary>
    /// <param name="askCudaDriver">Also ask the CUDA driver for its version and devices (which starts it).</param>
    public static LibTorchInfo Read(bool askCudaDriver = true)
    {
        _ = TorchSharp.torch.cuda.is_available();  // loads libtorch (and its CUDA part where there is one)
        string torchSharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?";
        string? path = LoadedLibrary("libtorch_cpu.so");
        var (version, cuda) = path is null ? (null, null) : VersionBeside(path);
        var (driver, devices) = askCudaDriver ? CudaDriverApi.Describe() : (null, []);
        return new LibTorchInfo(torchSharp, BoundVersion, path, version, cuda, driver, devices);
    }

    private static string MajorMinor(string version) => string.Join('.', version.Split('.', '+').Take(2));

    /// <summary>The path of a shared library this process has mapped, from /proc/self/maps.</summary>
    private static string? LoadedLibrary(string name)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 && line.EndsWith("/" + name, StringComparison.Ordinal)) return line[slash..];
            }
        }
        catch (IOException) { }
        return null;
    }

    /// <summary>
    /// libtorch keeps no version of its own at run time. The one shipped with this build is the package's;
    /// PyTorch's has torch/version.py beside torch/lib, and a libtorch download has build-version.
    /// </summary>
    private static (string? Version, string? Cuda) VersionBeside(string library)
    {
        string folder = Path.GetDirectoryName(library)!;
        if (folder.StartsWith(AppContext.BaseDirectory, StringComparison.Ordinal)) return (BoundVersion + " (shipped with this build)", null);
        string parent = Path.GetDirectoryName(folder) ?? folder;
        try
        {
            string versionPy = Path.Combine(parent, "version.py");
            if (File.Exists(versionPy))
            {
                string text = File.ReadAllText(versionPy);
                string? Field(string key) => Regex.Match(text, $@"^{key}\s*(?::\s*[^=]+)?=\s*['""]([^'""]+)['""]", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : null;
                return (Field("__version__"), Field("cuda"));
            }
            string buildVersion = Path.Combine(parent, "build-version");
            if (File.Exists(buildVersion)) return (File.ReadAllText(buildVersion).Trim(), null);
        }
        catch (IOException) { }
        return (null, null);
    }

    /// <summary>The CUDA driver's version and devices, asked of libcuda.so.1 directly (libtorch does not say).</summary>
    private static unsafe class CudaDriverApi
    {
        public static (string? Driver, IReadOnlyList<string> Devices) Describe()
        {
            // Never freed: once cuInit ran, the driver's threads live in it, and libtorch may hold it too.
            if (!NativeLibrary.TryLoad("libcuda.so.1", out nint lib)) return (null, []);
            {
                var getVersion = (delegate* unmanaged<int*, int>)Export(lib, "cuDriverGetVersion");
                var init = (delegate* unmanaged<uint, int>)Export(lib, "cuInit");
                var count = (delegate* unmanaged<int*, int>)Export(lib, "cuDeviceGetCount");
                var get = (delegate* unmanaged<int*, int, int>)Export(lib, "cuDeviceGet");
                var name = (delegate* unmanaged<byte*, int, int, int>)Export(lib, "cuDeviceGetName");
                var memory = (delegate* unmanaged<nuint*, int, int>)Export(lib, "cuDeviceTotalMem_v2");
                int v = 0;
                string? driver = getVersion != null && getVersion(&v) == 0 ? string.Create(CultureInfo.InvariantCulture, $"{v / 1000}.{v % 1000 / 10}") : null;
                var devices = new List<string>();
                int n = 0;
                if (init != null && count != null && get != null && init(0) == 0 && count(&n) == 0)
                {
                    byte* buffer = stackalloc byte[256];
                    for (int i = 0; i < n; i++)
                    {
                        int device = 0;
                        nuint bytes = 0;
                        if (get(&device, i) != 0) continue;
                        string deviceName = name != null && name(buffer, 256, device) == 0 ? Marshal.PtrToStringUTF8((nint)buffer) ?? "?" : "?";
                        string mem = memory != null && memory(&bytes, device) == 0 ? string.Create(CultureInfo.InvariantCulture, $", {bytes / (double)(1L << 30):F1} GiB") : "";
                        devices.Add($"cuda:{i} {deviceName}{mem}");
                    }
                }
                return (driver, devices);
            }
        }

        private static void* Export(nint lib, string name) => NativeLibrary.TryGetExport(lib, name, out nint f) ? (void*)f : null;
    }
}
