using TorchSharp;
using static TorchSharp.torch;

namespace HSoftmax.Torch;

/// <summary>Skip-gram pairs of one chunk: each context word's input row predicts its centre word.</summary>
/// <param name="Contexts">[N] the context word ids, whose input rows are the hidden vectors.</param>
/// <param name="Centres">[N] the centre word ids, the targets.</param>
internal readonly record struct SkipGramPairs(Tensor Contexts, Tensor Centres)
{
    public long Count => Centres.shape[0];
}

/// <summary>CBOW examples of one chunk: a padded bag of context words per centre word.</summary>
/// <param name="Contexts">[N, 2 window] word ids, 0 where padded.</param>
/// <param name="Mask">[N, 2 window] 1 for a context word, 0 for padding.</param>
/// <param name="Centres">[N] the centre word ids, the targets.</param>
internal readonly record struct CbowBags(Tensor Contexts, Tensor Mask, Tensor Centres)
{
    public long Count => Centres.shape[0];
}

/// <summary>
/// Subsampling and word2vec's dynamic window, done on the device from a chunk's word ids and sentence
/// numbers: the host sends 12 bytes per token instead of building every pair. As the CPU engine: a word is
/// kept with probability sqrt(t/f) + t/f, drawn afresh each epoch, before windowing; each centre word draws
/// its half-window b in 1..window; windows stop at sentence ends.
/// </summary>
internal sealed class DeviceWindows : IDisposable
{
    private readonly Tensor _keep;     // [V] probability of keeping a word
    private readonly Tensor _offsets;  // [2 window]: -window..-1, 1..window
    private readonly int _window;
    private readonly Generator? _generator;

    public DeviceWindows(double[] keepProbability, int window, Generator? generator, Device device)
    {
        _keep = tensor(keepProbability, device: device);
        var offsets = new long[2 * window];
        for (int i = 0; i < window; i++) { offsets[i] = i - window; offsets[window + i] = i + 1; }
        _offsets = tensor(offsets, device: device);
        _window = window;
        _generator = generator;
    }

    /// <summary>Keeps each token with its word's probability; returns the kept word ids and sentence numbers.</summary>
    public (Tensor Words, Tensor Sentences) Subsample(Tensor words, Tensor sentences)
    {
        var u = rand([words.shape[0]], dtype: ScalarType.Float64, device: words.device, generator: _generator);
        var kept = u < _keep.index_select(0, words);
        return (words.masked_select(kept), sentences.masked_select(kept));
    }

    /// <summary>[n, 2 window] positions of each token's context, and which of them are inside its window.</summary>
    private (Tensor Positions, Tensor Valid) Windows(Tensor sentences)
    {
        long n = sentences.shape[0];
        using var end = n.ToScalar();
        using var last = Math.Max(0, n - 1).ToScalar();
        var position = arange(end, dtype: ScalarType.Int64, device: sentences.device).unsqueeze(1);
        var half = randint(1, _window + 1, [n, 1], dtype: ScalarType.Int64, device: sentences.device, generator: _generator);
        var context = position + _offsets.unsqueeze(0);
        var valid = (context >= Scalars.Zero).logical_and_(context < end).logical_and_(_offsets.abs().unsqueeze(0) <= half);
        context = context.clamp(Scalars.Zero, last);
        valid.logical_and_(sentences.index_select(0, context.view(-1)).view(context.shape) == sentences.unsqueeze(1));
        return (context, valid);
    }

    public SkipGramPairs SkipGram(Tensor words, Tensor sentences)
    {
        var (context, valid) = Windows(sentences);
        var contexts = words.index_select(0, context.view(-1)).view(context.shape).masked_select(valid);
        var centres = words.unsqueeze(1).expand(context.shape).masked_select(valid);
        return new SkipGramPairs(contexts, centres);
    }

    public CbowBags Cbow(Tensor words, Tensor sentences, ScalarType dtype)
    {
        var (context, valid) = Windows(sentences);
        var any = valid.any(1);
        var rows = any.nonzero().squeeze(1);
        var bag = words.index_select(0, context.view(-1)).view(context.shape) * valid;
        return new CbowBags(bag.index_select(0, rows), valid.to_type(dtype).index_select(0, rows), words.index_select(0, rows));
    }

    public void Dispose() { _keep.Dispose(); _offsets.Dispose(); }
}
