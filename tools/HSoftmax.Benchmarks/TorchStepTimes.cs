using System.Diagnostics;
using HSoftmax.Torch;
using HSoftmax.Torch.Objectives;
using HSoftmax.Tree;
using TorchSharp;
using static TorchSharp.torch;

namespace HSoftmax.Benchmarks;

/// <summary>
/// Where a TorchSharp skip-gram+HS step spends its time, and the hand-written step against autograd with
/// sparse embedding gradients, at the enwiki2015 shape (68k words, Zipf counts, dim 100).
/// <c>dotnet run -c Release --project tools/HSoftmax.Benchmarks -- torch-steps [batch] [device]</c>
/// </summary>
internal static class TorchStepTimes
{
    public static void Run(int batch, string deviceName)
    {
        var device = TorchDevice.Resolve(deviceName, out string note);
        if (device.type == DeviceType.CPU && Environment.GetEnvironmentVariable("KEEP_HEAP") != "0") NativeHeap.KeepFreedMemory();
        Console.WriteLine($"device {note}, batch {batch}");
        const int words = 68_000, dim = 100;
        var counts = Enumerable.Range(0, words).Select(r => (long)(1e7 / (r + 10))).ToArray();  // Zipf, sorted
        var tree = HuffmanTree.Build(counts);
        using var noGrad = no_grad();
        var input = (rand([words, dim], device: device) - 0.5) / dim;
        var output = zeros([words - 1, dim], device: device);
        var hs = new HierarchicalSoftmaxLoss(output, tree, device) { RowCap = 8 };
        // Targets drawn by frequency, as the corpus draws them.
        var probabilities = tensor(counts.Select(c => (double)c).ToArray(), device: device);
        Tensor Targets() => multinomial(probabilities, batch, replacement: true);
        Tensor Contexts() => multinomial(probabilities, batch, replacement: true);
        void Sync() { if (device.type == DeviceType.CUDA) cuda.synchronize(); }

        double Time(string name, int steps, Action step)
        {
            for (int i = 0; i < 5; i++) { using var s = NewDisposeScope(); step(); }
            Sync();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) { using var s = NewDisposeScope(); step(); }
            Sync();
            double ms = clock.Elapsed.TotalMilliseconds / steps;
            Console.WriteLine($"{name,-44} {ms,8:F2} ms/step  {batch / ms / 1000,6:F2} M pairs/s");
            return ms;
        }

        int n = device.type == DeviceType.CUDA ? 200 : 20;
        var t = Targets(); var c = Contexts();
        Time("whole manual step (engine)", n, () => BatchSteps.SkipGram(input, hs, c, t, 0.01f));
        var plain = new HierarchicalSoftmaxLoss(output.clone(), tree, device);
        Time("same, no row cap (as autograd below)", n, () => BatchSteps.SkipGram(input, plain, c, t, 0.01f));
        Time("  gather hidden rows", n, () => input.index_select(0, c));
        var hidden = input.index_select(0, c);
        Time("  objective: paths, dots, gradients", n, () => hs.Compute(hidden, t));
        var g = hs.Compute(hidden, t);
        Time("  apply: index_add_ of output rows", n, () => hs.Apply(g, 0.01));
        Time("  input update: scale + index_add_", n, () =>
            input.index_add_(0, c, g.HiddenGrad * RowCapping.Scale(c, null, words, 8, ScalarType.Float32).unsqueeze(1), -0.01));

        // The same step through autograd: embedding lookups with sparse gradients, then SGD on the sparse rows.
        using var inputTable = nn.Embedding(words, dim, sparse: true, device: device);
        using var outputTable = nn.Embedding(words - 1, dim, sparse: true, device: device);
        var inputLeaf = inputTable.weight!;
        var outputLeaf = outputTable.weight!;
        inputLeaf.copy_(input);
        outputLeaf.copy_(output);
        var (nodes, labels, mask) = hs.Paths(t);
        Time("autograd step (sparse embedding grads)", n, () =>
        {
            using var enable = enable_grad();
            var h = inputTable.call(c);
            var rows = outputTable.call(nodes);
            var f = bmm(rows, h.unsqueeze(2)).squeeze(2);
            var loss = (-nn.functional.logsigmoid(f * (labels * 2 - 1)) * mask).sum();
            loss.backward();
            using (no_grad())
            {
                inputLeaf.add_(inputLeaf.grad!, alpha: -0.01);
                outputLeaf.add_(outputLeaf.grad!, alpha: -0.01);
            }
            inputLeaf.grad!.Dispose(); inputLeaf.grad = null;
            outputLeaf.grad!.Dispose(); outputLeaf.grad = null;
        });
    }
}
