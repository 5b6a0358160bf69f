using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using HSoftmax.Corpus;
using HSoftmax.Torch;
using HSoftmax.Training;

namespace HSoftmax.Cli;

/// <summary>
/// <c>hsoftmax doctor</c>: the first command on a new machine. Versions, then every libtorch operation the
/// TorchSharp engine uses, each named before it runs (a native crash still names its culprit), then one
/// epoch of the bundled corpus on the device, its loss checked against the CPU engine's.
/// </summary>
internal static class DoctorCommand
{
    /// <summary>The most the two engines' one-epoch losses may differ by, relative (measured: about 1%).</summary>
    private const double LossTolerance = 0.05;

    private static readonly Option<string> Device = new("--device") { Description = "cpu, cuda, cuda:N or auto (CUDA where libtorch reports it).", DefaultValueFactory = _ => "auto" };
    private static readonly Option<bool> NoTraining = new("--no-training") { Description = "Skip the one-epoch comparison of the engines." };

    public static Command Create()
    {
        var command = new Command("doctor", "Check this machine for the TorchSharp engine: versions, every libtorch operation it uses, and one epoch against the CPU engine.");
        command.Options.Add(Device);
        command.Options.Add(NoTraining);
        command.SetAction((parse, cancel) => Task.FromResult(Run(parse.GetValue(Device)!, parse.GetValue(NoTraining), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error)));
        return command;
    }

    internal static int Run(string device, bool noTraining, TextWriter stdout, TextWriter stderr)
    {
        var inv = CultureInfo.InvariantCulture;
        string step = "load libtorch";
        try
        {
            stdout.WriteLine($"HSoftmax     {typeof(DoctorCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?"}");
            stdout.WriteLine($".NET         {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores");
            stdout.Flush();
            var info = LibTorchInfo.Read();
            stdout.WriteLine($"TorchSharp   {info.TorchSharpVersion}, built for libtorch {info.BoundLibTorch}");
            stdout.WriteLine($"libtorch     {info.LoadedVersion ?? "version unknown"} at {info.LoadedPath ?? "?"}");
            if (info.Mismatch is { } mismatch) stdout.WriteLine($"WARNING      {mismatch}");
            stdout.WriteLine(info.CudaDriver is null ? "CUDA         no driver (libcuda.so.1 does not load)"
                : $"CUDA         driver {info.CudaDriver}; libtorch's runtime {info.CudaRuntime ?? "none (a CPU build)"}; {(info.CudaDevices.Count == 0 ? "no devices" : string.Join("; ", info.CudaDevices))}");
            stdout.WriteLine();
            stdout.WriteLine($"Operations on {device} (each named before it runs):");
            stdout.Flush();
            TorchDiagnostics.CheckOperations(device,
                name => { step = name; stdout.Write($"  {name} ... "); stdout.Flush(); },
                (_, time) => { stdout.WriteLine(string.Create(inv, $"ok ({time.TotalMilliseconds:F1} ms)")); stdout.Flush(); });
            if (!noTraining)
            {
                step = "one epoch of the bundled corpus";
                string corpus = BundledData.FindCorpus() ?? throw new InputFileException($"the bundled corpus corpora/{BundledData.CorpusFileName} was not found");
                var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.NegativeSampling, Dim = 50, Epochs = 1, Threads = Math.Min(4, Environment.ProcessorCount), Seed = 1 };
                stdout.WriteLine();
                stdout.WriteLine($"One epoch of the bundled corpus, skip-gram with negative sampling, dim 50:");
                stdout.Flush();
                var reader = new CorpusReader([corpus]);
                var plan = TrainingPlan.Prepare(options, reader);
                var torch = new TorchEngine(new TorchOptions { Device = device }).Train(plan, reader);
                var cpu = new CpuEngine().Train(plan, reader);
                double torchLoss = torch.Epochs[0].Loss, cpuLoss = cpu.Epochs[0].Loss, gap = Math.Abs(torchLoss - cpuLoss) / cpuLoss;
                stdout.WriteLine(string.Create(inv, $"  torch engine on {device}: loss {torchLoss:F4}, {torch.WordsPerSecond:N0} words/s"));
                stdout.WriteLine(string.Create(inv, $"  CPU engine:              loss {cpuLoss:F4}, {cpu.WordsPerSecond:N0} words/s"));
                if (!double.IsFinite(torchLoss) || gap > LossTolerance)
                    throw new InvalidOperationException(string.Create(inv, $"the losses differ by {gap * 100:F1}%, more than {LossTolerance * 100:F0}%: the device computes something else"));
                stdout.WriteLine(string.Create(inv, $"  the losses differ by {gap * 100:F1}% (at most {LossTolerance * 100:F0}%): ok"));
            }
            stdout.WriteLine();
            stdout.WriteLine("doctor: every check passed");
            return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            stdout.WriteLine("FAILED");
            stdout.Flush();
            // The one option doctor shares with the library: say it as the flag.
            string message = e is InvalidOptionException { Option: nameof(TorchOptions.Device) } option ? $"--device: {option.Reason}" : e.Message.Split('\n')[0].Trim();
            stderr.WriteLine($"hsoftmax: doctor: '{step}' failed: {message}");
            return e is InvalidOptionException or TorchUnavailableException ? 2 : 1;
        }
    }
}
