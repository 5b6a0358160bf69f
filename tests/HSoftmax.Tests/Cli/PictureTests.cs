using System.Diagnostics;
using HSoftmax.Cli;
using HSoftmax.Cli.Plots;
using HSoftmax.Tests.Tool;
using SkiaSharp;

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
        // The loss line and markers (the palette's first colour) and the words/s line (dark orange) are drawn.
        Assert.True(Png.Share(png, new SKColor(0x1f, 0x77, 0xb4)) > 0.0005, $"no loss curve: {Png.Share(png, new SKColor(0x1f, 0x77, 0xb4)):P3}");
        Assert.True(Png.Share(png, SKColors.DarkOrange) > 0.0003, "no words/s line");
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
        // Bars of both kinds: the sets' (steel blue) and the sections' (dark orange).
        Assert.True(Png.Share(png, SKColors.SteelBlue) > 0.01, "no set bars");
        Assert.True(Png.Share(png, SKColors.DarkOrange) > 0.003, "no section bars");
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
        // Six markers of 8 px (the palette's first colour): about 6 x 50 pixels of a 600,000.
        Assert.True(Png.Share(png, new SKColor(0x1f, 0x77, 0xb4)) > 6 * 30 / 600_000.0, "no markers");
    }

    [Theory]
    [InlineData(2, "map: give at least 3 words, got 2", "map", "{v}", "he", "she", "--out", "{tmp}/m.png")]
    [InlineData(2, "--out: pictures are PNG; give a file name ending in .png", "map", "{v}", "he", "she", "day", "--out", "{tmp}/m.jpg")]
    [InlineData(1, "'zzzz' is not in the vocabulary", "map", "{v}", "he", "she", "zzzz", "--out", "{tmp}/m.png")]
    [InlineData(2, "map: give at least 3 different words; these are 2 in the vectors", "map", "{v}", "he", "He", "she", "--out", "{tmp}/m.png")]
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
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp*"));
    }

    [Fact]
    public void TheProjectionPutsTheWidestSpreadOnTheFirstAxis()
    {
        // Unit vectors in the plane of dimensions 0 and 1 of a 4-d space, spread much wider along
        // dimension 0 than 1: the first component is dimension 0 (up to sign), the second dimension 1,
        // and the distances between points are kept.
        double[] angles = [-0.8, -0.3, 0, 0.3, 0.8];  // symmetric: x and y are uncorrelated, so the axes are exact
        float[][] vectors = [.. angles.Select(a => new[] { (float)Math.Sin(a), (float)Math.Cos(a), 0f, 0f })];
        var points = Pictures.Project(vectors);
        double spreadX = points.Max(p => p.X) - points.Min(p => p.X), spreadY = points.Max(p => p.Y) - points.Min(p => p.Y);
        Assert.True(spreadX > 3 * spreadY, $"x spread {spreadX}, y spread {spreadY}");
        for (int i = 0; i < angles.Length; i++)
        {
            Assert.Equal(Math.Abs(Math.Sin(angles[i]) - angles.Average(Math.Sin)), Math.Abs(points[i].X), 6);
            for (int j = 0; j < i; j++)
            {
                double inPlane = Math.Sqrt(Math.Pow(Math.Sin(angles[i]) - Math.Sin(angles[j]), 2) + Math.Pow(Math.Cos(angles[i]) - Math.Cos(angles[j]), 2));
                Assert.Equal(inPlane, Math.Sqrt(Math.Pow(points[i].X - points[j].X, 2) + Math.Pow(points[i].Y - points[j].Y, 2)), 6);
            }
        }
    }

    [Fact]
    public void PointsOnALineOrAllTheSameHaveNoNoiseAxis()
    {
        // Collinear unit vectors have one axis: the second coordinate is exactly 0, not rounding noise blown up.
        float[][] collinear = [[1, 0, 0], [-1, 0, 0], [1, 0, 0]];
        Assert.All(Pictures.Project(collinear), p => Assert.Equal(0.0, p.Y));
        float[][] same = [[0.1f, 0.2f, 0.3f], [0.1f, 0.2f, 0.3f], [0.1f, 0.2f, 0.3f]];
        Assert.All(Pictures.Project(same), p => Assert.Equal((0.0, 0.0), p));
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
        Assert.True(process.WaitForExit(60_000));
        Assert.Equal(1, process.ExitCode);
        Assert.Equal("hsoftmax: the gpu engine (fused CUDA kernels through ILGPU) is an add-on: install it beside this tool with 'dotnet tool install -g HSoftmax.Cli.Gpu --add-source FOLDER' (the folder you packed it into, or a feed that serves it; same version and tool path as this tool)",
            stderr.Trim());
        Assert.False(File.Exists(tmp.File("v.txt")));
    }

    [Fact]
    public void ADamagedAddOnIsOneLine()
    {
        using var tmp = new TempFolder();
        string vectors = TrainVectors(tmp);
        Directory.CreateDirectory(tmp.File("addon"));
        File.WriteAllText(tmp.File("addon/HSoftmax.Cli.Plots.dll"), "not an assembly");
        var start = CliRun.StartInfo("map", vectors, "he", "she", "day", "--out", tmp.File("m.png"));
        start.RedirectStandardError = true;
        start.Environment["HSOFTMAX_ADDONS"] = tmp.File("addon");
        using var process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        Assert.Equal(1, process.ExitCode);
        Assert.StartsWith($"hsoftmax: pictures (ScottPlot): the add-on at {tmp.File("addon")} did not load (", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.False(File.Exists(tmp.File("m.png")));
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
        // A relative folder is taken from the working folder, as PATH's entries are.
        start.WorkingDirectory = RepositoryFiles.Root;
        start.Environment["HSOFTMAX_ADDONS"] = Path.GetRelativePath(RepositoryFiles.Root, addOn);
        using var process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        Assert.True(process.ExitCode == 0, stderr);
        Assert.Equal((PlotAddOn.Width, PlotAddOn.Height), Png.Size(tmp.File("m.png")));
    }
}
