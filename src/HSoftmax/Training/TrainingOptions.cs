using HSoftmax.Corpus;

namespace HSoftmax.Training;

/// <summary>The model architecture: which words predict which.</summary>
public enum ModelKind
{
    /// <summary>Continuous bag of words: the context predicts the centre word.</summary>
    Cbow,
    /// <summary>Skip-gram: each context word predicts the centre word (word2vec's orientation).</summary>
    SkipGram,
}

/// <summary>The output layer and its loss. Which ones an engine trains: <see cref="EngineCapabilities.Losses"/>.</summary>
/// <remarks>The values are those model files store.</remarks>
public enum LossKind
{
    /// <summary>Hierarchical softmax over a Huffman tree: log V per prediction.</summary>
    HierarchicalSoftmax = 1,
    /// <summary>Negative sampling with k noise words from count^0.75.</summary>
    NegativeSampling = 2,
    /// <summary>Both at once, adding to one gradient (word2vec's <c>-hs 1 -negative k</c>).</summary>
    HierarchicalSoftmaxAndNegativeSampling = 3,
    /// <summary>Sampled softmax with log-Q correction (Jean et al. 2015).</summary>
    SampledSoftmax = 4,
    /// <summary>The full softmax over the vocabulary, the exact reference for small vocabularies.</summary>
    Softmax = 8,
}

/// <summary>An option out of range: <see cref="Option"/> is the property's name, <see cref="Reason"/> what is wrong.</summary>
/// <remarks>The command-line tool maps the property to its flag; the message alone reads "Dim: must be ...".</remarks>
public sealed class InvalidOptionException(string option, string reason) : ArgumentException($"{option}: {reason}", option)
{
    /// <summary>The name of the option's property, such as "Dim".</summary>
    public string Option { get; } = option;
    /// <summary>What is wrong with its value, such as "must be in 1..10000, got 0".</summary>
    public string Reason { get; } = reason;
    /// <summary>"Option: reason", without the parameter-name suffix <see cref="ArgumentException"/> would add.</summary>
    public override string Message => $"{Option}: {Reason}";
}

/// <summary>
/// Everything a training run needs. Defaults follow the word2vec tool (v0.1c): CBOW with negative
/// sampling, 100 dimensions, window 5, 5 negatives, sample 1e-3, min-count 5, 5 epochs.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>The architecture: CBOW (default) or skip-gram.</summary>
    public ModelKind Model { get; init; } = ModelKind.Cbow;
    /// <summary>The output layer and its loss; negative sampling by default.</summary>
    public LossKind Loss { get; init; } = LossKind.NegativeSampling;
    /// <summary>Vector dimensions, 1..10000.</summary>
    public int Dim { get; init; } = 100;
    /// <summary>Maximum half-window; each centre word draws its own size in 1..Window.</summary>
    public int Window { get; init; } = 5;
    /// <summary>Noise words per prediction with negative sampling, 1..1000; unused otherwise.</summary>
    public int Negative { get; init; } = 5;
    /// <summary>Exponent of the noise distribution count^e for negative sampling.</summary>
    public double NegativeExponent { get; init; } = 0.75;
    /// <summary>Subsampling threshold t: a word of frequency f is kept with probability sqrt(t/f) + t/f; 0 turns it off.</summary>
    public double Sample { get; init; } = 1e-3;
    /// <summary>Words seen fewer times in the corpus are left out of the vocabulary; at least 1.</summary>
    public int MinCount { get; init; } = 5;
    /// <summary>Keep only the N most frequent words (after min-count); null for no cap.</summary>
    public int? MaxVocab { get; init; }
    /// <summary>Starting learning rate; null picks the word2vec default (0.025 skip-gram, 0.05 CBOW).</summary>
    public float? Alpha { get; init; }
    /// <summary>The learning rate decays linearly to this over all epochs.</summary>
    public float MinAlpha { get; init; } = 1e-4f;
    /// <summary>Passes over the corpus, 1..10000.</summary>
    public int Epochs { get; init; } = 5;
    /// <summary>Training threads, 1..1024; all cores by default.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Seed for the initial weights and for the random draws of training.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>CBOW hidden vector: mean of the context (true) or their sum (false).</summary>
    public bool CbowMean { get; init; } = true;
    /// <summary>How the corpus is cut into sentences and tokens.</summary>
    public CorpusOptions Corpus { get; init; } = new();

    /// <summary>
    /// With several threads, each keeps a private copy of this many of the top inner nodes of the tree,
    /// merged every <see cref="HotRowMergeWords"/> words; 0 for plain Hogwild everywhere. See SharedHotRows.
    /// </summary>
    internal int HotTreeRows { get; init; } = SharedHotRows.TreeRows;

    /// <summary>The same for the noise rows of the most frequent words.</summary>
    internal int HotNoiseRows { get; init; } = SharedHotRows.NoiseRows;

    /// <summary>With exactly two threads, this many tree rows below the averaged ones are private too, merged as a sum.</summary>
    internal int SummedTreeRows { get; init; } = SharedHotRows.SummedTreeRows;

    /// <summary>The same for noise rows.</summary>
    internal int SummedNoiseRows { get; init; } = SharedHotRows.SummedNoiseRows;

    /// <summary>Corpus words a thread trains between two merges of its hot rows.</summary>
    internal int HotRowMergeWords { get; init; } = 10_000;

    /// <summary>Chunks the reader deals sentences into, at least (see ChunkProducer); 1 keeps the corpus order.</summary>
    internal int Streams { get; init; } = ChunkProducer.DefaultStreams;

    /// <summary>word2vec's schedule: alpha falls linearly from the start to <see cref="MinAlpha"/> over all epochs' words.</summary>
    internal float AlphaAt(long wordsDone, long totalWords)
    {
        float alpha0 = EffectiveAlpha;
        float alpha = alpha0 - (alpha0 - MinAlpha) * (float)((double)wordsDone / (totalWords + 1));
        return Math.Max(alpha, MinAlpha);
    }

    /// <summary>Whether the loss has a Huffman tree, with one output row per inner node (word2vec's syn1).</summary>
    public bool UsesTreeOutput => Loss is LossKind.HierarchicalSoftmax or LossKind.HierarchicalSoftmaxAndNegativeSampling;

    /// <summary>Whether the loss has one output row per word (syn1neg): every loss but hierarchical softmax alone.</summary>
    public bool UsesWordOutput => Loss != LossKind.HierarchicalSoftmax;

    /// <summary>Whether noise words are drawn from count^<see cref="NegativeExponent"/>.</summary>
    public bool UsesNegativeSampling => Loss is LossKind.NegativeSampling or LossKind.HierarchicalSoftmaxAndNegativeSampling;

    /// <summary>The starting learning rate: <see cref="Alpha"/>, or the word2vec default for <see cref="Model"/>.</summary>
    public float EffectiveAlpha => Alpha ?? (Model == ModelKind.SkipGram ? 0.025f : 0.05f);

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first option out of range.</summary>
    /// <remarks><see cref="TrainingPlan"/> calls it: the one place options are checked.</remarks>
    public void Validate()
    {
        static void Check(bool ok, string option, string message)
        {
            if (!ok) throw new InvalidOptionException(option, message);
        }
        Check(Enum.IsDefined(Model), nameof(Model), $"must be Cbow or SkipGram, got {Model}");
        Check(Enum.IsDefined(Loss), nameof(Loss), $"must be one of {string.Join(", ", Enum.GetNames<LossKind>())}, got {Loss}");
        Check(Dim is >= 1 and <= 10_000, nameof(Dim), $"must be in 1..10000, got {Dim}");
        Check(Window is >= 1 and <= 1000, nameof(Window), $"must be in 1..1000, got {Window}");
        Check(!UsesNegativeSampling || Negative is >= 1 and <= 1000, nameof(Negative), $"must be in 1..1000 with negative sampling, got {Negative}");
        Check(double.IsFinite(NegativeExponent), nameof(NegativeExponent), "must be a finite number");
        Check(Sample >= 0 && double.IsFinite(Sample), nameof(Sample), $"must be 0 (off) or positive, got {Sample}");
        Check(MinCount >= 1, nameof(MinCount), $"must be at least 1, got {MinCount}");
        Check(MaxVocab is null or >= 1, nameof(MaxVocab), $"must be at least 1, got {MaxVocab}");
        Check(EffectiveAlpha > 0 && float.IsFinite(EffectiveAlpha), nameof(Alpha), $"must be positive, got {EffectiveAlpha}");
        Check(MinAlpha >= 0 && MinAlpha <= EffectiveAlpha, nameof(MinAlpha), $"must be in 0..alpha ({EffectiveAlpha}), got {MinAlpha}");
        Check(Epochs is >= 1 and <= 10_000, nameof(Epochs), $"must be in 1..10000, got {Epochs}");
        Check(Threads is >= 1 and <= 1024, nameof(Threads), $"must be in 1..1024, got {Threads}");
        // The cap keeps a chunk's size (16,384 words plus one sentence) an int; word2vec cuts at 1,000.
        Check(Corpus.MaxSentenceLength is >= 1 and <= 100_000_000, nameof(CorpusOptions.MaxSentenceLength), $"must be in 1..100000000, got {Corpus.MaxSentenceLength}");
    }
}
