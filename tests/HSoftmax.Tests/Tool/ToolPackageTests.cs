using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace HSoftmax.Tests.Tool;

/// <summary>
/// The tool as a user gets it: packed from this checkout, installed with dotnet tool install into a
/// temporary tool path, then run. The add-on is installed beside it and found in the tool store.
/// </summary>
[Collection(nameof(HSoftmax.Tests.Torch.RunsAlone))]  // packs (publishes) projects that gpu_check.sh publishes too
public sealed class ToolPackageTests
{
    /// <summary>The most the tool may take once installed (the issue's promise).</summary>
    private const long MaxInstalledBytes = 10L * 1024 * 1024;

    [Fact]
    public async Task TheToolInstallsSmallTrainsAndFindsItsAddOn()
    {
        using var tmp = new TempFolder();
        string packages = tmp.File("packages"), tools = tmp.File("tools");
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        foreach (string project in new[] { "HSoftmax.Cli", "HSoftmax.Cli.Plots" })
            await Dotnet(tmp.Path, "pack", Path.Combine(RepositoryFiles.Root, "src", project), "-c", configuration, "--no-build", "-o", packages, "-v", "q", "-nologo");

        // The package says what it is, under what licence, with the README beside it.
        string nupkg = Directory.GetFiles(packages, "HSoftmax.Cli.*.nupkg").Single(p => !p.Contains(".Plots.", StringComparison.Ordinal) && !p.EndsWith(".snupkg", StringComparison.Ordinal));
        using (var zip = ZipFile.OpenRead(nupkg))
        {
            XNamespace ns = XDocument.Load(zip.GetEntry("HSoftmax.Cli.nuspec")!.Open()).Root!.Name.Namespace;
            var metadata = XDocument.Load(zip.GetEntry("HSoftmax.Cli.nuspec")!.Open()).Root!.Element(ns + "metadata")!;
            Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
            Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
            Assert.NotNull(zip.GetEntry("README.md"));
            Assert.DoesNotContain("Package Description", metadata.Element(ns + "description")!.Value);
            Assert.Contains("word2vec", metadata.Element(ns + "tags")!.Value);
            // The bundled corpus once, gzipped, in the tool's folder: not again as content files.
            Assert.Equal("tools/net10.0/any/corpora/eltec12-paragraphs.txt.gz", Assert.Single(zip.Entries, e => e.Name.StartsWith("eltec12-paragraphs", StringComparison.Ordinal)).FullName);
            Assert.DoesNotContain(zip.Entries, e => e.Name is "TorchSharp.dll" or "ILGPU.dll" or "ScottPlot.dll" || e.Name.StartsWith("libtorch", StringComparison.Ordinal));
        }

        // Only the packages just made, at their version: no feed on the network can answer instead.
        string config = tmp.Write("nuget.config", $"<configuration><packageSources><clear /><add key=\"local\" value=\"{packages}\" /></packageSources></configuration>");
        string version = typeof(HSoftmax.Cli.Program).Assembly.GetName().Version!.ToString(3);
        await Dotnet(tmp.Path, "tool", "install", "HSoftmax.Cli", "--tool-path", tools, "--configfile", config, "--version", version);
        long installed = new DirectoryInfo(Path.Combine(tools, ".store", "hsoftmax.cli")).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        Assert.True(installed <= MaxInstalledBytes, $"the tool takes {installed / 1048576.0:F1} MB installed");

        // Trains the bundled corpus with no arguments but the epochs, as a user's first run.
        string hsoftmax = Path.Combine(tools, "hsoftmax");
        var (code, stdout, stderr) = await Run(tmp.Path, hsoftmax, "train", "--epochs", "1", "--output", tmp.File("v.txt"), "--eval", "false");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"Vocabulary +[\d,]+ words", stdout);
        Assert.True(new FileInfo(tmp.File("v.txt")).Length > 1_000_000);

        // An engine add-on that is not installed: one line saying how.
        (code, _, stderr) = await Run(tmp.Path, hsoftmax, "train", "--engine", "torch", "--output", tmp.File("t.txt"));
        Assert.Equal(1, code);
        Assert.StartsWith("hsoftmax: the torch engine (TorchSharp, libtorch on the CPU or CUDA) is an add-on: install it beside this tool with 'dotnet tool install -g HSoftmax.Cli.Torch --add-source FOLDER'", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));

        // The plots add-on, installed beside it, is found in the tool store and draws.
        await Dotnet(tmp.Path, "tool", "install", "HSoftmax.Cli.Plots", "--tool-path", tools, "--configfile", config, "--version", version);
        (code, _, stderr) = await Run(tmp.Path, hsoftmax, "map", tmp.File("v.txt"), "he", "she", "day", "night", "--out", tmp.File("map.png"));
        Assert.True(code == 0, stderr);
        Assert.Equal((1000, 600), Png.Size(tmp.File("map.png")));
    }

    private static async Task Dotnet(string folder, params string[] args)
    {
        var (code, stdout, stderr) = await Run(folder, "dotnet", args);
        Assert.True(code == 0, $"dotnet {string.Join(' ', args)} exited {code}:\n{stdout}\n{stderr}");
    }

    private static async Task<(int Code, string Out, string Err)> Run(string folder, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (string a in args) start.ArgumentList.Add(a);
        // The tool's own environment, not the test's: no add-on folders named, telemetry off.
        start.Environment.Remove("HSOFTMAX_ADDONS");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} ran past 5 minutes");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
