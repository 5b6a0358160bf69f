using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using HSoftmax.Corpus;
using HSoftmax.Cli.AddOns;
using HSoftmax.Training;

namespace HSoftmax.Cli;

/// <summary>
/// <c>hsoftmax doctor</c>: the first command on a new machine, for an add-on engine. Versions, then the
/// engine's native checks (for torch, every libtorch operation it uses), each named before it runs (a
/// native crash still names its culprit), then one epoch of the bundled corpus on the device, its loss
/// checked against the CPU engine's.
/// </summary>
internal static class DoctorCommand
{
    /// <summary>The most the two engines' one-epoch losses may differ by, relative (measured: about 1%).</summary>
    private const double LossTolerance = 0.05;

    private static readonly Option<string> Engine = new("--engine") { Description = "The engine to check: torch or gpu.", DefaultValueFactory = _ => "torch" };
    private static readonly Option<string> Device = new("--device") { Description = "cpu, cuda, cuda:N or auto (CUDA where the engine finds it).", DefaultValueFactory = _ => "auto" };
    private static readonly Option<bool> NoTraining = new("--no-training") { Description = "Skip the one-epoch comparison of the engines." };

    public static Command Create()
    {
        var command = new Command("doctor", "Check this machine for an add-on engine: versions, its native checks (for torch, every libtorch operation it uses), and one epoch against the CPU engine.");
        Engine.AcceptOnlyFromAmong("torch", "gpu");
        command.Options.Add(Engine);
        command.Options.Add(Device);
        command.Options.Add(NoTraining);
        command.SetAction((parse, cancel) => Task.FromResult(Run(parse.GetValue(Engine)!, parse.GetValue(Device)!, parse.GetValue(NoTraining), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error)));
        return command;
    }

    internal static int Run(string engine, string device, bool noTraining, TextWriter stdout, TextWriter stderr)
    {
        var inv = CultureInfo.InvariantCulture;
        string step = "load the add-on";
        IEngineAddOn? addOn = null;
        try
        {
            stdout.WriteLine($"HSoftmax     {typeof(DoctorCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?"}");
            stdout.WriteLine($".NET         {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores");
            stdout.Flush();
            addOn = (engine == "gpu" ? AddOn.Gpu : AddOn.Torch).Load<IEngineAddOn>();
            addOn.Diagnose(device, stdout, name => step = name);
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
                var engineUnderTest = addOn.Create(EngineFlags.Defaults(device), null);
                var onDevice = engineUnderTest.Train(plan, reader);
                (engineUnderTest as IDisposable)?.Dispose();
                var cpu = new CpuEngine().Train(plan, reader);
                double deviceLoss = onDevice.Epochs[0].Loss, cpuLoss = cpu.Epochs[0].Loss, gap = Math.Abs(deviceLoss - cpuLoss) / cpuLoss;
                stdout.WriteLine(string.Create(inv, $"  {engine} engine on {device}: loss {deviceLoss:F4}, {onDevice.WordsPerSecond:N0} words/s"));
                stdout.WriteLine(string.Create(inv, $"  cpu engine:             loss {cpuLoss:F4}, {cpu.WordsPerSecond:N0} words/s"));
                if (!double.IsFinite(deviceLoss) || gap > LossTolerance)
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
            string message = e is InvalidOptionException option && addOn?.FlagOf(option.Option) is string flag ? $"{flag}: {option.Reason}"
                : addOn?.Explain(e) ?? e.Message.Split('\n')[0].Trim();
            stderr.WriteLine($"hsoftmax: doctor: '{step}' failed: {message}");
            return e is InvalidOptionException ? 2 : 1;
        }
    }
}
