using System.Diagnostics;
using HSoftmax.Cli;
using HSoftmax.Cli.Plots;
using HSoftmax.Tests.Tool;

namespace HSoftmax.Tests.Cli;

/// <summary>train --plot, eval --plot and map: the pictures are PNGs of the promised size with something on them.</summary>
public sealed class PictureTests
{
    private static string TrainVectors(TempFolder tmp, string? plot = null)
    {
        string vectors = tmp.File("v.txt");
        string[] args = ["train", "--model", "skipgram", "--loss", "hs", "--epochs", "2", "--threads", "2", "--output", vectors, "--eval", "false", "-q"];
        var (code, _, stderr) = CliRun.Run(plot is null ? args : [.. args, "--plot", plot]);
        Assert.True(code == 0, stderr);
        return vectors;
    }

    [Fact]
    public void TrainDrawsTheLossAndSpeed()
    {
        using var tmp = new TempFolder();
        string png = tmp.File("train.png");
        TrainVectors(tmp, png);
        Assert.Equal((PlotAddOn.Width, PlotAddOn.Height), Png.Size(png));
        Png.AssertDrawn(png, 0.02);
    }

    [Fact]
    public void EvalDrawsABarPerSetAndPerSection()
    {
        using var tmp = new TempFolder();
        string vectors = TrainVectors(tmp);
        string png = tmp.File("eval.png");
        var (code, _, stderr) = CliRun.Run("eval", vectors, "--plot", png);
        Assert.True(code == 0, stderr);
        // Bundled: 2 analogy sets (Google's 14 sections, Microsoft's 16) and 8 similarity sets: 40 bars.
        Assert.Equal(10, Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "corpora", "eval"), "*.txt", SearchOption.AllDirectories).Length);
        Assert.Equal((PlotAddOn.ScoresWidth(10 + 30), PlotAddOn.Height), Png.Size(png));
        Png.AssertDrawn(png, 0.04);
    }

    [Fact]
    public void MapPlacesTheWords()
    {
        using var tmp = new TempFolder();
        string vectors = TrainVectors(tmp);
        string png = tmp.File("map.png");
        var (code, stdout, stderr) = CliRun.Run("map", vectors, "he", "she", "day", "night", "house", "door", "--out", png);
        Assert.True(code == 0, stderr);
        Assert.Contains(png, stdout);
        Assert.Equal((PlotAddOn.Width, PlotAddOn.Height), Png.Size(png));
        Png.AssertDrawn(png, 0.01);
    }

    [Theory]
    [InlineData(2, "map: give at least 3 words, got 2", "map", "{v}", "he", "she", "--out", "{tmp}/m.png")]
    [InlineData(2, "--out: pictures are PNG; give a file name ending in .png", "map", "{v}", "he", "she", "day", "--out", "{tmp}/m.jpg")]
    [InlineData(1, "'zzzz' is not in the vocabulary", "map", "{v}", "he", "she", "zzzz", "--out", "{tmp}/m.png")]
    [InlineData(2, "--plot: pictures are PNG", "eval", "{v}", "--plot", "{tmp}/e.svg")]
    [InlineData(2, "--plot: folder", "eval", "{v}", "--plot", "{tmp}/no/such/e.png")]
    public void BadPictureRequestsAreOneLine(int expected, string message, params string[] args)
    {
        using var tmp = new TempFolder();
        string vectors = TrainVectors(tmp);
        var (code, _, stderr) = CliRun.Run([.. args.Select(a => a.Replace("{v}", vectors).Replace("{tmp}", tmp.Path))]);
        Assert.Equal(expected, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.png"));
    }

    [Fact]
    public void TheProjectionFindsThePlaneTheWordsLieIn()
    {
        // Four unit vectors in the plane of dimensions 0 and 1 of a 5-d space (a square's corners): the
        // first two principal components span that plane, so distances between points are kept.
        float[][] vectors = [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [-1, 0, 0, 0, 0], [0, -0.5f, 0, 0, 0]];
        var points = Pictures.Project(vectors);
        double Distance(int a, int b) => Math.Sqrt(Math.Pow(points[a].X - points[b].X, 2) + Math.Pow(points[a].Y - points[b].Y, 2));
        // Unit-normalised, the fourth is (0, -1): the corners of a square of side sqrt(2).
        Assert.Equal(2.0, Distance(0, 2), 6);
        Assert.Equal(2.0, Distance(1, 3), 6);
        Assert.Equal(Math.Sqrt(2), Distance(0, 1), 6);
        Assert.Equal(0.0, points.Sum(p => p.X), 9);  // centred
        Assert.Equal(Pictures.Project(vectors), points);  // the same picture every time
    }

    [Fact]
    public void TheInstalledToolWithoutTheAddOnSaysHowToGetIt()
    {
        // The tool as a process, from the test folder: no add-on folder beside it, so the install hint.
        using var tmp = new TempFolder();
        var start = CliRun.StartInfo("train", "--engine", "gpu", "--output", tmp.File("v.txt"));
        start.RedirectStandardError = true;
        start.Environment["HSOFTMAX_ADDONS"] = "";
        using var process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(1, process.ExitCode);
        Assert.Equal("hsoftmax: the gpu engine (fused CUDA kernels through ILGPU) is an add-on: install it beside this tool with 'dotnet tool install -g HSoftmax.Cli.Gpu' (same version and tool path); in a clone, build it: 'dotnet build -c Release src/HSoftmax.Cli.Gpu'",
            stderr.Trim());
        Assert.False(File.Exists(tmp.File("v.txt")));
    }

    [Fact]
    public void AnAddOnFolderNamedInTheEnvironmentLoadsIntoItsOwnContext()
    {
        // The plots add-on's own build output, loaded by a tool process that does not carry it.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string addOn = Path.Combine(RepositoryFiles.Root, "src", "HSoftmax.Cli.Plots", "bin", configuration, "net10.0");
        Assert.True(File.Exists(Path.Combine(addOn, "HSoftmax.Cli.Plots.dll")), $"build the solution first: {addOn}");
        using var tmp = new TempFolder();
        string vectors = TrainVectors(tmp);
        var start = CliRun.StartInfo("map", vectors, "he", "she", "day", "--out", tmp.File("m.png"));
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        start.Environment["HSOFTMAX_ADDONS"] = addOn;
        using var process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr);
        Assert.Equal((PlotAddOn.Width, PlotAddOn.Height), Png.Size(tmp.File("m.png")));
    }
}
