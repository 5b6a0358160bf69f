using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using HSoftmax.Simd;
using HSoftmax.Training;
using HSoftmax.Tree;

namespace HSoftmax.Benchmarks;

/// <summary>
/// The hot kernels on their own, so a kernel change can be judged in seconds. Each benchmark runs
/// <see cref="Ops"/> operations; BenchmarkDotNet reports time per operation, so 1e9 / ns = ops/s.
/// </summary>
[MemoryDiagnoser]
public unsafe class KernelBenchmarks
{
    public const int Ops = 4096;

    [Params(100, 300)]
    public int Dim { get; set; }

    private float* _hidden, _grad, _rows, _noise;
    private int[] _targets = [];
    private HuffmanTree _tree = null!;
    private AliasSampler _sampler = null!;
    private HierarchicalSoftmax _hs;
    private NegativeSampling _ns;
    private FastRandom _random = new(1);
    private const int Words = 100_000;

    [GlobalSetup]
    public void Setup()
    {
        long[] counts = Enumerable.Range(0, Words).Select(r => Math.Max(1L, 100_000_000L / (r + 1))).ToArray();
        _tree = HuffmanTree.Build(counts);
        _sampler = AliasSampler.ForNegatives(counts, 0.75);
        _hidden = Alloc(Dim); _grad = Alloc(Dim);
        _rows = Alloc((long)Words * Dim); _noise = Alloc((long)Words * Dim);
        var rnd = new Random(1);
        for (long i = 0; i < (long)Words * Dim; i++) { _rows[i] = (float)(rnd.NextDouble() - 0.5) * 0.1f; _noise[i] = _rows[i]; }
        for (int i = 0; i < Dim; i++) _hidden[i] = (float)(rnd.NextDouble() - 0.5) * 0.1f;
        // Targets drawn by frequency, as in training.
        _targets = Enumerable.Range(0, Ops).Select(_ => _sampler.Sample(ref _random)).ToArray();

        _hs = new HierarchicalSoftmax(new OutputRows(_rows, Dim), Pinned.Pointer(_tree.Links), Words, Sigmoid.Pointers);
        _ns = new NegativeSampling(new OutputRows(_noise, Dim), 5, AliasTable.Of(_sampler), Sigmoid.Pointers);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_hidden); NativeMemory.AlignedFree(_grad);
        NativeMemory.AlignedFree(_rows); NativeMemory.AlignedFree(_noise);
    }

    /// <summary>Dot products of 100/300-wide rows.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public float Dot()
    {
        float sum = 0;
        for (int i = 0; i < Ops; i++) sum += VectorMath.Dot(_hidden, _rows + (long)(i & 1023) * Dim, Dim);
        return sum;
    }

    /// <summary>Node updates: gradient and output row in one pass.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public void UpdateOutput()
    {
        for (int i = 0; i < Ops; i++) VectorMath.UpdateOutput(1e-6f, _hidden, _rows + (long)(i & 1023) * Dim, _grad, Dim);
    }

    /// <summary>One hierarchical-softmax prediction (a whole Huffman path) per op: pairs/s.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public float HierarchicalSoftmaxPair()
    {
        float loss = 0;
        for (int i = 0; i < Ops; i++) loss += _hs.Step(_hidden, _targets[i], 1e-6f, _grad, ref _random);
        return loss;
    }

    /// <summary>One negative-sampling prediction (target + 5 noise words) per op: pairs/s.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public float NegativeSamplingPair()
    {
        float loss = 0;
        for (int i = 0; i < Ops; i++) loss += _ns.Step(_hidden, _targets[i], 1e-6f, _grad, ref _random);
        return loss;
    }

    private static float* Alloc(long floats)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        new Span<float>(p, (int)floats).Clear();
        return p;
    }
}
