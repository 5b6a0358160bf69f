using HSoftmax.Corpus;
using HSoftmax.Training;
using HSoftmax.Vectors;

// dotnet run --project samples/HSoftmax.Sample [CORPUS] [VECTORS] [WORD]: the bundled corpus by default.
string corpusPath = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "corpora", "eltec12-paragraphs.txt");
string vectorsPath = args.Length > 1 ? args[1] : "vectors.bin";
string query = args.Length > 2 ? args[2] : "day";
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var options = new TrainingOptions { Model = ModelKind.SkipGram, Loss = LossKind.HierarchicalSoftmax, Sample = 1e-4, Epochs = 5 };
var corpus = CorpusReader.FromPaths([corpusPath]);
var plan = TrainingPlan.Prepare(options, corpus, cancellationToken: cancel.Token);  // counts the corpus, builds the tree
ITrainingEngine engine = new CpuEngine();  // or new GpuEngine(new GpuOptions()), new TorchEngine(new TorchOptions { Device = "cuda" })
TrainingResult result = engine.Train(plan, corpus, new ProgressLine(), cancel.Token);
Console.Error.WriteLine();  // ends the progress line

WordVectors vectors = result.Vectors;
Word2VecFile.Save(vectors, vectorsPath, VectorFormat.Binary);
Console.WriteLine($"{vectors.Count:N0} vectors of {vectors.Dim} in {vectorsPath}; last epoch's loss {result.Epochs[^1].Loss:F4}");
foreach (var (word, similarity) in vectors.Nearest(query, 10)) Console.WriteLine($"{word} {similarity:F3}");

// A pipeline that only needs vectors loads them without any training code:
var loaded = Word2VecFile.Load(vectorsPath);
Console.WriteLine($"loaded {loaded.Count:N0} vectors back");

/// <summary>Progress on one line of stderr, written as it is reported (Progress&lt;T&gt; would post it to the thread pool, late).</summary>
sealed class ProgressLine : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p) => Console.Error.Write($"\repoch {p.Epoch}/{p.Epochs} {p.Fraction:P0} {p.WordsPerSecond:N0} words/s, loss {p.EpochLoss:F3}   ");
}
