using System.Diagnostics;
using HSoftmax.Corpus;
using HSoftmax.Tests.Cli;
using HSoftmax.Tests.Torch;
using HSoftmax.Tests.Training;
using HSoftmax.Torch;
using HSoftmax.Training;
using TorchSharp;

namespace HSoftmax.Tests.Gpu;

/// <summary>The GPU path's CPU twins: what a CUDA machine runs, run here on libtorch's CPU.</summary>
[Collection(nameof(RunsAlone))]
public class GpuPathTests
{
    [Fact]
    public void TorchSharpMakesEveryGeneratorOnTheCpuWhateverTheDevice()
    {
        // The cause of the CUDA segfault (see TorchDevice.CreateGenerator): a Generator "for" CUDA is a CPU
        // one. Should a TorchSharp release make real CUDA generators, this fails and the workaround can go.
        using var generator = new torch.Generator(1, new torch.Device(DeviceType.CUDA));
        using var state = generator.get_state();
        Assert.Equal(DeviceType.CPU, state.device_type);
        // So the engine gives ops on a device no generator at all, and keeps its own only on the CPU.
        Assert.Null(TorchDevice.CreateGenerator(new torch.Device(DeviceType.CUDA), 1, seedDeviceDefault: false));
        using var cpu = TorchDevice.CreateGenerator(torch.CPU, 1, seedDeviceDefault: false);
        Assert.NotNull(cpu);
    }

    [Fact]
    public void DoctorChecksEveryOperationThenOneEpochAgainstTheCpuEngine()
    {
        var (code, stdout, stderr) = CliRun.Run("doctor", "--device", "cpu");
        Assert.True(code == 0, $"doctor exited {code}: {stderr}\n{stdout}");
        Assert.Contains("TorchSharp   0.107.0, built for libtorch 2.10.0", stdout);
        Assert.Contains("libtorch     2.10.0 (shipped with this build)", stdout);
        // Every check ends its line with ok, and each objective was stepped in both models.
        var checks = stdout.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal) && l.Contains(" ... ", StringComparison.Ordinal)).ToList();
        Assert.True(checks.Count >= 20, $"only {checks.Count} checks:\n{stdout}");
        Assert.All(checks, l => Assert.Contains(" ... ok (", l));
        foreach (string loss in new[] { "HierarchicalSoftmax", "NegativeSampling", "SampledSoftmax (LogUniform)", "SampledSoftmax (Unigram)", "Softmax" })
        {
            Assert.Contains($"  {loss}: one skip-gram step", stdout);
            Assert.Contains($"  {loss}: one CBOW step", stdout);
        }
        Assert.Matches(@"the losses differ by \d+\.\d% \(at most 5%\): ok", stdout);
        Assert.EndsWith("doctor: every check passed", stdout.TrimEnd());
    }

    [Fact]
    public void DoctorNamesTheCheckThatFailed()
    {
        var (code, stdout, stderr) = CliRun.Run("doctor", "--device", "tpu", "--no-training");
        Assert.Equal(2, code);
        Assert.Contains("  resolve the device ... FAILED", stdout);
        Assert.Contains("hsoftmax: doctor: 'resolve the device' failed: --device: must be cpu, cuda, cuda:N or auto, got 'tpu'", stderr);
    }

    [Fact]
    public void TheDeviceDrawsWorkWithoutAGeneratorAsOnCuda()
    {
        // On CUDA every random op draws from the device's default generator (no generator passed): the same
        // engine run on the CPU without one must train as well as with its seeded one.
        using var tmp = new TempFolder();
        string corpus = PlantedTopics.Write(tmp, 400);
        var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.NegativeSampling, Dim = 16, Epochs = 2, MinCount = 1, Sample = 0, Seed = 3 };
        var seeded = new TorchEngine(new TorchOptions { Device = "cpu", Batch = 256 }).Train(options, new CorpusReader([corpus]));
        // The default generator seeded here, as TuneProcess seeds CUDA's: unseeded, this small run's loss
        // varied by a few percent from run to run, and the test with it.
        torch.manual_seed(4);  // not the engine's seed (3): the vectors then show which generator drew
        var unseeded = new TorchEngine(new TorchOptions { Device = "cpu", Batch = 256 }) { DeviceDefaultGenerator = true }.Train(options, new CorpusReader([corpus]));
        double a = seeded.Epochs[^1].Loss, b = unseeded.Epochs[^1].Loss;
        Assert.True(Math.Abs(a - b) < 0.03 * a, $"last-epoch loss with the engine's generator {a:F4}, with the default one {b:F4}");
        Assert.NotEqual(seeded.Vectors.GetVector(0).ToArray(), unseeded.Vectors.GetVector(0).ToArray());
    }

    [Fact]
    public async Task GpuCheckRunsEndToEndOnTheCpu()
    {
        // The script a CUDA machine runs, here on the CPU with a small corpus: pack (a self-contained
        // publish), unpack, doctor, three torch runs, two CPU-engine runs, one table.
        string script = Path.Combine(RepositoryFiles.Root, "tools", "gpu_check.sh");
        var start = new ProcessStartInfo("sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { script, "--device", "cpu", "--tokens", "150000" }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderrTask = process.StandardError.ReadToEndAsync();
        string stdout = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync();
        string stderr = await stderrTask;
        Assert.True(process.ExitCode == 0, $"gpu_check.sh exited {process.ExitCode}:\n{stderr}\n{stdout}");
        var rows = stdout.Split('\n').Where(l => l.StartsWith("| gpu cpu", StringComparison.Ordinal) || l.StartsWith("| torch cpu", StringComparison.Ordinal)
            || l.StartsWith("| cpu engine", StringComparison.Ordinal)).ToList();
        Assert.Equal(9, rows.Count);
        foreach (string row in rows)
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            Assert.Matches(@"^[\d,]+$", cells[3]);            // words/s
            Assert.Matches(@"^\d+\.\d+$", cells[4]);          // loss
            Assert.Matches(@"^\d+\.\d+%$", cells[5]);         // analogy
            Assert.Matches(@"^-?\d\.\d+$", cells[6]);         // WS-353
        }
        Assert.Contains("doctor: every check passed", stdout);
        Assert.Matches(@"\| 10,000 \| sg-hs \| \d", stdout);  // the kernel benchmark's row
        // The fused kernels (on ILGPU's CPU accelerator) and the CPU engine train the same configuration alike.
        double Loss(string engine, string config) => double.Parse(rows.Single(r => r.StartsWith($"| {engine} | {config} |", StringComparison.Ordinal))
            .Split('|', StringSplitOptions.TrimEntries)[4], System.Globalization.CultureInfo.InvariantCulture);
        foreach (string config in new[] { "sg-hs", "sg-ns", "cbow-hs" })
            Assert.True(Math.Abs(Loss("gpu cpu", config) / Loss("cpu engine", config) - 1) < 0.05, $"{config}: gpu engine {Loss("gpu cpu", config)}, cpu engine {Loss("cpu engine", config)}");
    }
}
