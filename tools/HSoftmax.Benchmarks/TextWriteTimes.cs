using System.Diagnostics;
using System.Globalization;
using System.Text;
using HSoftmax.Vectors;

namespace HSoftmax.Benchmarks;

/// <summary>
/// Float formatting and word2vec text output speed, on vectors shaped like trained ones (normal, sd 0.3).
/// <c>dotnet run -c Release --project tools/HSoftmax.Benchmarks -- text-write [words] [folder]</c>
/// </summary>
internal static class TextWriteTimes
{
    public static void Run(int words, string folder)
    {
        const int dim = 100;
        var rnd = new Random(1);
        var data = new float[(long)words * dim];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rnd.NextDouble())) * Math.Cos(2 * Math.PI * rnd.NextDouble()) * 0.3);
        var table = new HSoftmax.Corpus.Utf8WordTable();
        for (int w = 0; w < words; w++) table.Append(Encoding.UTF8.GetBytes($"w{w}"));
        var vectors = new WordVectors(table, data, dim);

        Span<byte> buffer = stackalloc byte[32];
        int n = Math.Min(data.Length, 10_000_000);
        var clock = Stopwatch.StartNew();
        long bytes = 0;
        for (int i = 0; i < n; i++) { data[i].TryFormat(buffer, out int written, default, CultureInfo.InvariantCulture); bytes += written; }
        double dotnet = clock.Elapsed.TotalNanoseconds / n;
        clock.Restart();
        long ours = 0;
        for (int i = 0; i < n; i++) ours += FloatText.Write(data[i], buffer);
        double fast = clock.Elapsed.TotalNanoseconds / n;
        Console.WriteLine($"one core: float.TryFormat {dotnet:F1} ns/float ({bytes / (double)n:F2} chars), FloatText {fast:F1} ns/float ({ours / (double)n:F2} chars)");

        string path = Path.Combine(folder, "text-write-bench.txt");
        clock.Restart();
        Word2VecFile.Save(vectors, path, VectorFormat.Text);
        double seconds = clock.Elapsed.TotalSeconds;
        long size = new FileInfo(path).Length;
        Console.WriteLine($"Word2VecFile.Save text: {words:N0} x {dim} in {seconds:F2} s, {size / 1048576.0:N0} MB, {size / 1048576.0 / seconds:N0} MB/s on {Environment.ProcessorCount} cores");
        clock.Restart();
        Word2VecFile.Save(vectors, path, VectorFormat.Binary);
        Console.WriteLine($"Word2VecFile.Save binary: {clock.Elapsed.TotalSeconds:F2} s, {new FileInfo(path).Length / 1048576.0 / clock.Elapsed.TotalSeconds:N0} MB/s");
        File.Delete(path);
    }
}
