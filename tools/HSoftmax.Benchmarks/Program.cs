using BenchmarkDotNet.Running;

// dotnet run -c Release --project tools/HSoftmax.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(HSoftmax.Benchmarks.KernelBenchmarks).Assembly).Run(args);
