// The gpu engine's kernel alone, timed on a synthetic Zipf corpus, so a GPU run shows where the time goes:
// per launch, per prediction (a skip-gram pair; a CBOW centre word) and per tree node or output row touched.
//
//   HSoftmax.KernelBench [--device cuda|cpu] [--vocab 68000,3000000] [--dim 100] [--configs sg-hs,sg-ns,cbow-hs]
//                        [--launches 20] [--warps N]
//   HSoftmax.KernelBench --host-corpus FILE
//       The host's share instead: one epoch of reading, looking up and subsampling FILE into batches
//       (sample 1e-4), no device: the words per second the host can feed the kernel.
//
// Word counts follow Zipf's law (count ~ 1 / rank), subsampled as the engine does at sample 1e-4; the batch
// is drawn from the kept words' frequencies in sentences of 20. The weights start as a run's do, so the
// first launches see small dot products; the figures are the mean over the timed launches.
using System.Globalization;
using HSoftmax.Corpus;
using HSoftmax.Gpu;
using HSoftmax.Training;

var inv = CultureInfo.InvariantCulture;
string device = "cuda", configs = "sg-hs,sg-ns,cbow-hs", vocabs = "68000,3000000";
string? hostCorpus = null;
int dim = 100, launches = 20, warps = 0;
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]}: give a value");
    switch (args[i++])
    {
        case "--device": device = value; break;
        case "--vocab": vocabs = value; break;
        case "--dim": dim = int.Parse(value, inv); break;
        case "--configs": configs = value; break;
        case "--launches": launches = int.Parse(value, inv); break;
        case "--warps": warps = int.Parse(value, inv); break;
        case "--host-corpus": hostCorpus = value; break;
        default: Console.Error.WriteLine($"kernel-bench: unknown option {args[i - 1]}"); return 2;
    }
}

if (hostCorpus is not null)
{
    var corpus = new CorpusReader([hostCorpus]);
    var counting = System.Diagnostics.Stopwatch.StartNew();
    var hostPlan = TrainingPlan.Prepare(new TrainingOptions { Sample = 1e-4 }, corpus);
    Console.WriteLine(string.Create(inv, $"counted {hostPlan.WordsPerEpoch:N0} words ({hostPlan.Vocabulary.Count:N0} distinct) in {counting.Elapsed.TotalSeconds:F1} s"));
    const int launchWords = 132 * LaunchLayout.DefaultWarpsPerMultiprocessor * 64;  // an H200's default launch
    var batch = new HostBatch(hostPlan, launchWords + 200_000);
    batch.StartEpoch(1);
    long kept = 0;
    var clock = System.Diagnostics.Stopwatch.StartNew();
    using (var stream = WordIdReader.ReadEpoch(corpus, hostPlan.Vocabulary, 4))
    {
        while (stream.TryTake(out var chunk))
        {
            batch.Add(chunk);
            stream.Recycle(chunk);
            if (batch.Count < launchWords) continue;
            kept += batch.Count;
            batch.Clear();
        }
    }
    kept += batch.Count;
    double seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(inv, $"host: {hostPlan.WordsPerEpoch / seconds / 1e6:F1} M corpus words/s read, looked up and subsampled into batches ({kept / seconds / 1e6:F1} M kept words/s); {Environment.ProcessorCount} cores"));
    return 0;
}

using var engine = new GpuEngine(new GpuOptions { Device = device, WarpsInFlight = warps });
Console.WriteLine($"device: {engine.DeviceDescription}; dim {dim}; {launches} timed launches after one to warm up");
Console.WriteLine();
Console.WriteLine("| vocab | config | words/launch | predictions/launch | nodes/prediction | ms/launch | M words/s | M predictions/s | ns/prediction | ns/node |");
Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (int vocab in vocabs.Split(',').Select(v => int.Parse(v, inv)))
{
    var vocabulary = Vocabulary.FromSorted(Enumerable.Range(0, vocab).Select(r => ($"w{r}", Math.Max(5L, 4_000_000_000L / (r + 1)))));
    foreach (string config in configs.Split(','))
    {
        var options = new TrainingOptions
        {
            Model = config.StartsWith("cbow", StringComparison.Ordinal) ? ModelKind.Cbow : ModelKind.SkipGram,
            Loss = config.EndsWith("-hs", StringComparison.Ordinal) ? LossKind.HierarchicalSoftmax : LossKind.NegativeSampling,
            Dim = dim, Window = 5, Negative = 5, Sample = 1e-4, MinCount = 1,
        };
        var plan = TrainingPlan.Prepare(options, vocabulary);
        double meanDepth = 0;
        (int[], int[]) Batch(int count)
        {
            var kept = new long[vocab];
            for (int w = 0; w < vocab; w++) kept[w] = Math.Max(1, (long)(vocabulary.Counts[w] * plan.KeepProbabilities[w]));
            var draw = NoiseDistribution.FromCounts(kept, 1);
            var random = new Random(1);
            var words = new int[count];
            var sentences = new int[count];
            long depth = 0;
            for (int t = 0; t < count; t++)
            {
                int column = random.Next(vocab);
                words[t] = (uint)random.NextInt64(1L << 32) < draw.Thresholds[column] ? column : draw.Aliases[column];
                sentences[t] = t / 20;
                if (plan.Tree is not null) depth += plan.Tree.GetDepth(words[t]);
            }
            meanDepth = plan.Tree is not null ? (double)depth / count : options.Negative + 1;
            return (words, sentences);
        }
        var (predictions, seconds, batchWords) = engine.TimeLaunches(plan, Batch, launches);
        // Skip-gram: one prediction per pair; CBOW: one per centre word (its pairs share it).
        double nodes = predictions * meanDepth;
        Console.WriteLine(string.Create(inv,
            $"| {vocab:N0} | {config} | {batchWords:N0} | {predictions:N0} | {meanDepth:F1} | {seconds * 1e3:F2} | {batchWords / seconds / 1e6:F1} | {predictions / seconds / 1e6:F1} | {seconds / predictions * 1e9:F1} | {seconds / nodes * 1e9:F2} |"));
    }
}
return 0;
