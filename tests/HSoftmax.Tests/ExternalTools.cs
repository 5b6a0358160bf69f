using System.Diagnostics;

namespace HSoftmax.Tests;

/// <summary>
/// A fact that needs an outside tool ("gensim": /usr/bin/python3 with gensim, numpy and scipy; "fasttext": the
/// fastText binary; "mpirun": Open MPI). Skipped with a clear message when the tool is missing, unless the environment variable CI
/// is "true": there the test runs and fails on the missing tool, so a CI machine cannot silently skip parity.
/// </summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    public RequiresToolFactAttribute(string tool)
    {
        if (Tools.WhyMissing(tool) is string reason && !Tools.IsCi)
            Skip = $"{reason} (set CI=true to make this a failure)";
    }
}

/// <summary>A theory that needs an outside tool; see <see cref="RequiresToolFactAttribute"/>.</summary>
public sealed class RequiresToolTheoryAttribute : TheoryAttribute
{
    public RequiresToolTheoryAttribute(string tool)
    {
        if (Tools.WhyMissing(tool) is string reason && !Tools.IsCi)
            Skip = $"{reason} (set CI=true to make this a failure)";
    }
}

/// <summary>Finds and runs the outside tools the parity tests compare against.</summary>
public static class Tools
{
    private static readonly string[] SystemBinFolders = ["/usr/bin", "/usr/local/bin"];

    public const string Python = "/usr/bin/python3";
    private static readonly Dictionary<string, string?> Cache = new();

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="tool"/> cannot be used, or null when it can.</summary>
    public static string? WhyMissing(string tool)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(tool, out var cached)) return cached;
            string? reason = tool switch
            {
                "gensim" => !File.Exists(Python) ? $"{Python} not found"
                    : TryRun(Python, ["-c", "import gensim, numpy, scipy; print(gensim.__version__)"], out string output) ? null
                    : $"gensim is not importable by {Python}: {output.Trim()}",
                "fasttext" => FastText is null ? "fasttext not found (looked in /usr/bin, /usr/local/bin and PATH)" : null,
                "mpirun" => Mpirun is null ? "mpirun not found (looked in /usr/bin, /usr/local/bin and PATH; Debian: apt-get install openmpi-bin)"
                    : !System.Runtime.InteropServices.NativeLibrary.TryLoad("libmpi.so.40", out _) ? "Open MPI's libmpi.so.40 cannot be loaded" : null,
                _ => throw new ArgumentException($"unknown tool {tool}"),
            };
            Cache[tool] = reason;
            return reason;
        }
    }

    /// <summary>Fails the test with the reason when the tool is missing (only reached when not skipped, i.e. on CI).</summary>
    public static void Require(string tool)
    {
        if (WhyMissing(tool) is string reason) Assert.Fail($"{tool} is required on CI: {reason}");
    }

    public static string? FastText => Find("fasttext");

    /// <summary>Open MPI's launcher.</summary>
    public static string? Mpirun => Find("mpirun");

    private static string? Find(string program)
    {
        foreach (string dir in SystemBinFolders.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)))
        {
            string path = Path.Combine(dir, program);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>Runs a Python script with gensim; returns stdout, fails the test on a non-zero exit with stderr.</summary>
    public static string RunPython(string script, params string[] args)
    {
        Require("gensim");
        string file = Path.Combine(Path.GetTempPath(), $"hsoftmax-test-{Guid.NewGuid():N}.py");
        File.WriteAllText(file, script);
        try
        {
            var all = new List<string> { file };
            all.AddRange(args);
            return Run(Python, all, TimeSpan.FromMinutes(5));
        }
        finally { File.Delete(file); }
    }

    public static string Run(string program, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        info.Environment["OMP_NUM_THREADS"] = "1";
        info.Environment["OPENBLAS_NUM_THREADS"] = "1";
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} did not finish within {timeout}");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            Assert.Fail($"{program} {string.Join(' ', args)} exited with {process.ExitCode}:\n{stderr.Result}");
        return stdout.Result;
    }

    private static bool TryRun(string program, string[] args, out string output)
    {
        try
        {
            var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args) info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            var err = process.StandardError.ReadToEndAsync();
            output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(60_000)) { process.Kill(true); output = "timed out"; return false; }
            if (process.ExitCode != 0) output = err.Result;
            return process.ExitCode == 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            output = e.Message;
            return false;
        }
    }
}
