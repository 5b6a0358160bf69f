using System.Diagnostics;

namespace HSoftmax.Tests;

/// <summary>Peers the interop tests run against: gensim under /usr/bin/python3, and fastText.</summary>
public static class ExternalTools
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> GensimPresent = new(() => Run(Python, ["-c", "import gensim"], out _, out _) == 0);
    private static readonly Lazy<bool> FastTextPresent = new(() => Run("fasttext", [], out _, out _) >= 0);

    public static bool HasGensim => GensimPresent.Value;
    public static bool HasFastText => FastTextPresent.Value;

    /// <summary>In CI (CI=true) a missing peer is a failure, not a skip: .ci/run installs them.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs a program; returns its exit code, or -1 if it could not be started.</summary>
    public static int Run(string program, IEnumerable<string> args, out string stdout, out string stderr, int timeoutSeconds = 300)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(info)!;
            var outTask = process.StandardOutput.ReadToEndAsync();
            var errTask = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeoutSeconds * 1000)) { process.Kill(true); throw new TimeoutException($"{program} ran over {timeoutSeconds} s"); }
            stdout = outTask.Result;
            stderr = errTask.Result;
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            stdout = stderr = "";
            return -1;
        }
    }
}

/// <summary>A fact that needs gensim: skipped with a message where it is absent, except in CI.</summary>
public sealed class GensimFactAttribute : FactAttribute
{
    public GensimFactAttribute()
    {
        if (!ExternalTools.HasGensim && !ExternalTools.InCi)
            Skip = "gensim is not installed for /usr/bin/python3 (apt-get install python3-gensim); .ci/run installs it";
    }
}
