using System.Runtime.InteropServices;
using HSoftmax.Gpu.Kernels;
using HSoftmax.Training;
using ILGPU;
using ILGPU.Runtime;

namespace HSoftmax.Gpu;

/// <summary>A run's buffers on the device: the weights, the tables the kernel reads, the batch and the loss tallies.</summary>
internal sealed class DeviceWeights : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly Accelerator _accelerator;
    private readonly TrainingOptions _o;
    private readonly LaunchLayout _layout;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _input, _tree, _noise, _treeStart, _noiseStart, _sigmoid, _lossPositive, _lossNegative;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _pathStart, _pathLinks, _aliases, _words, _sentences;
    private readonly MemoryBuffer1D<uint, Stride1D.Dense> _thresholds;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _loss;
    private readonly MemoryBuffer1D<long, Stride1D.Dense> _predictions;
    private readonly int _hotTreeFirst;

    public DeviceWeights(Accelerator accelerator, TrainingPlan plan, Word2VecModel model, LaunchLayout layout, int batchCapacity)
    {
        _accelerator = accelerator;
        _o = plan.Options;
        _layout = layout;
        int dim = _o.Dim;
        HostInput = ArrayOf(model.Input);
        HostTree = plan.Tree is null ? null : ArrayOf(model.TreeOutput);
        HostNoise = plan.Noise is null ? null : ArrayOf(model.NoiseOutput);

        long deviceBytes = 4L * (HostInput.Length + (HostTree?.Length ?? 0) + (HostNoise?.Length ?? 0));
        if (deviceBytes > accelerator.MemorySize * 9 / 10)
            throw new InsufficientMemoryException($"the weights need {deviceBytes / 1048576.0:N0} MB but the device has {accelerator.MemorySize / 1048576.0:N0} MB; lower the dimension, raise the minimum count or cap the vocabulary");

        _input = Upload(HostInput);
        _tree = Upload(HostTree ?? [0f]);
        _noise = Upload(HostNoise ?? [0f]);
        _hotTreeFirst = plan.Tree is null ? int.MaxValue : plan.Tree.InnerNodeCount - layout.HotTree;
        _treeStart = Allocate<float>(Math.Max(1, layout.HotTree * dim));
        _noiseStart = Allocate<float>(Math.Max(1, layout.HotNoise * dim));
        var (pathStart, pathLinks) = plan.Tree is null ? ([0], [0]) : DeviceTables.Paths(plan.Tree);
        _pathStart = Upload(pathStart);
        _pathLinks = Upload(pathLinks.Length == 0 ? [0] : pathLinks);
        _thresholds = Upload(plan.Noise is null ? [0u] : plan.Noise.Thresholds.ToArray());
        _aliases = Upload(plan.Noise is null ? [0] : plan.Noise.Aliases.ToArray());
        _sigmoid = Upload(DeviceTables.Sigmoid());
        _lossPositive = Upload(DeviceTables.LossPositive());
        _lossNegative = Upload(DeviceTables.LossNegative());
        _words = Allocate<int>(batchCapacity);
        _sentences = Allocate<int>(batchCapacity);
        _loss = Allocate<double>(layout.Warps);
        _predictions = Allocate<long>(layout.Warps);
    }

    public float[] HostInput { get; }
    public float[]? HostTree { get; }
    public float[]? HostNoise { get; }

    public void ClearTallies()
    {
        _loss.MemSetToZero();
        _predictions.MemSetToZero();
    }

    /// <summary>The epoch's loss sum and prediction count so far; waits for the device.</summary>
    public (double Loss, long Predictions) Tallies()
    {
        var loss = _loss.GetAsArray1D();
        var predictions = _predictions.GetAsArray1D();
        double sum = 0;
        long count = 0;
        for (int i = 0; i < loss.Length; i++) { sum += loss[i]; count += predictions[i]; }
        return (sum, count);
    }

    /// <summary>Copies a batch's words and sentence numbers to the device (after the launch before it is done with them).</summary>
    public void Upload(ReadOnlySpan<int> words, ReadOnlySpan<int> sentences)
    {
        _words.View.BaseView.SubView(0, words.Length).CopyFromCPU(words);
        _sentences.View.BaseView.SubView(0, sentences.Length).CopyFromCPU(sentences);
    }

    /// <summary>A launch's arguments; takes the snapshot of the hot rows the blocks start from.</summary>
    public TrainArgs Args(int count, float alpha, ulong seed, long firstToken)
    {
        int dim = _o.Dim;
        if (_layout.HotTree > 0) _tree.View.SubView((long)_hotTreeFirst * dim, (long)_layout.HotTree * dim).CopyTo(_treeStart.View);
        if (_layout.HotNoise > 0) _noise.View.SubView(0, (long)_layout.HotNoise * dim).CopyTo(_noiseStart.View);
        return new TrainArgs
        {
            Input = _input.View, TreeRows = _tree.View, NoiseRows = _noise.View, TreeStart = _treeStart.View, NoiseStart = _noiseStart.View,
            PathStart = _pathStart.View, PathLinks = _pathLinks.View, Thresholds = _thresholds.View, Aliases = _aliases.View,
            Sigmoid = _sigmoid.View, LossPositive = _lossPositive.View, LossNegative = _lossNegative.View,
            Words = _words.View, Sentences = _sentences.View, Loss = _loss.View, Predictions = _predictions.View,
            Count = count, Dim = dim, Window = _o.Window, Hs = _o.UsesTreeOutput ? 1 : 0, Negatives = _o.UsesNegativeSampling ? _o.Negative : 0,
            WordCount = (int)_thresholds.Length,
            HotTreeFirst = _hotTreeFirst, HotTree = _layout.HotTree, HotNoise = _layout.HotNoise,
            Cbow = _o.Model == ModelKind.Cbow ? 1 : 0, CbowMean = _o.CbowMean ? 1 : 0,
            Alpha = alpha, MergeWeight = 1f / _layout.Blocks, Seed = seed, FirstToken = firstToken,
        };
    }

    /// <summary>Copies the weights back to the model's arrays, waiting for the device.</summary>
    public void CopyOut()
    {
        _accelerator.Synchronize();
        _input.CopyToCPU(HostInput);
        if (HostTree is not null) _tree.CopyToCPU(HostTree);
        if (HostNoise is not null) _noise.CopyToCPU(HostNoise);
    }

    private MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        var buffer = _accelerator.Allocate1D<T>(length);
        _owned.Add(buffer);
        return buffer;
    }

    private MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(T[] values) where T : unmanaged
    {
        var buffer = _accelerator.Allocate1D(values);
        _owned.Add(buffer);
        return buffer;
    }

    private static float[] ArrayOf(Memory<float> rows) =>
        MemoryMarshal.TryGetArray<float>(rows, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array : throw new InvalidOperationException("a model's matrix is not a whole array");

    public void Dispose()
    {
        foreach (var buffer in _owned) buffer.Dispose();
    }
}
