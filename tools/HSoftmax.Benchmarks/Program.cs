using BenchmarkDotNet.Running;

// dotnet run -c Release --project tools/HSoftmax.Benchmarks -- --filter '*'
// dotnet run -c Release --project tools/HSoftmax.Benchmarks -- torch-steps [batch] [device]
// dotnet run -c Release --project tools/HSoftmax.Benchmarks -- text-write [words] [folder]
if (args.Length > 0 && args[0] == "text-write")
{
    HSoftmax.Benchmarks.TextWriteTimes.Run(args.Length > 1 ? int.Parse(args[1]) : 1_000_000, args.Length > 2 ? args[2] : Path.GetTempPath());
    return;
}
if (args.Length > 0 && args[0] == "torch-steps")
{
    HSoftmax.Benchmarks.TorchStepTimes.Run(args.Length > 1 ? int.Parse(args[1]) : 4096, args.Length > 2 ? args[2] : "auto");
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(HSoftmax.Benchmarks.KernelBenchmarks).Assembly).Run(args);
