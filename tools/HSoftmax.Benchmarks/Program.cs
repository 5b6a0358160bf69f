using BenchmarkDotNet.Running;

// dotnet run -c Release --project tools/HSoftmax.Benchmarks -- --filter '*'
// dotnet run -c Release --project tools/HSoftmax.Benchmarks -- torch-steps [batch] [device]
// dotnet run -c Release --project tools/HSoftmax.Benchmarks -- text-write [words] [folder]
// dotnet run -c Release --project tools/HSoftmax.Benchmarks -- row-fetch [dim] [threads]
// dotnet run -c Release --project tools/HSoftmax.Benchmarks -- hot-merge [dim] [threads,threads,...]
if (args.Length > 0 && args[0] == "text-write")
{
    HSoftmax.Benchmarks.TextWriteTimes.Run(args.Length > 1 ? int.Parse(args[1]) : 1_000_000, args.Length > 2 ? args[2] : Path.GetTempPath());
    return;
}
if (args.Length > 0 && args[0] == "row-fetch")
{
    HSoftmax.Benchmarks.RowFetchTimes.Run(args.Length > 1 ? int.Parse(args[1]) : 100, args.Length > 2 ? int.Parse(args[2]) : 2);
    return;
}
if (args.Length > 0 && args[0] == "hot-merge")
{
    HSoftmax.Benchmarks.HotRowMergeTimes.Run(args.Length > 1 ? int.Parse(args[1]) : 100,
        (args.Length > 2 ? args[2] : "1,2,16,32").Split(',').Select(int.Parse).ToArray());
    return;
}
if (args.Length > 0 && args[0] == "torch-steps")
{
    HSoftmax.Benchmarks.TorchStepTimes.Run(args.Length > 1 ? int.Parse(args[1]) : 4096, args.Length > 2 ? args[2] : "auto");
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(HSoftmax.Benchmarks.KernelBenchmarks).Assembly).Run(args);
