namespace HSoftmax.Training;

/// <summary>
/// The weight matrices of a word2vec model, row-major, one row per word or tree node:
/// <see cref="Input"/> (word2vec's syn0, the word vectors), <see cref="TreeOutput"/> (syn1, one row per
/// inner node of the Huffman tree) and <see cref="NoiseOutput"/> (syn1neg, one row per word, also the
/// output of sampled and full softmax). An engine trains them in place.
/// </summary>
/// <remarks>The arrays live on the pinned heap so the CPU engine's hot loop can hold raw pointers into them.</remarks>
public sealed class Word2VecModel
{
    internal Word2VecModel(int words, int dim, bool treeOutput, bool wordOutput)
    {
        WordCount = words;
        Dim = dim;
        InputArray = Allocate((long)words * dim);
        TreeOutputArray = treeOutput ? Allocate((long)Math.Max(0, words - 1) * dim) : null;
        NoiseOutputArray = wordOutput ? Allocate((long)words * dim) : null;
    }

    /// <summary>The number of words: rows of <see cref="Input"/>.</summary>
    public int WordCount { get; }
    /// <summary>The number of columns of every matrix: the vector dimension.</summary>
    public int Dim { get; }
    /// <summary>[words, dim]: the word vectors.</summary>
    public Memory<float> Input => InputArray;
    /// <summary>[words - 1, dim], one row per inner node; empty when the loss has no tree.</summary>
    public Memory<float> TreeOutput => TreeOutputArray;
    /// <summary>[words, dim], one output row per word; empty for hierarchical softmax alone.</summary>
    public Memory<float> NoiseOutput => NoiseOutputArray;

    internal float[] InputArray { get; }
    internal float[]? TreeOutputArray { get; }
    internal float[]? NoiseOutputArray { get; }

    /// <summary>Bytes the matrices of such a model take, to check before allocating.</summary>
    internal static long EstimateBytes(int words, int dim, bool treeOutput, bool wordOutput) =>
        4L * dim * ((long)words + (treeOutput ? Math.Max(0, words - 1) : 0) + (wordOutput ? words : 0));

    /// <summary>
    /// Input rows uniform in [-1, 1) / dim (gensim 4; the word2vec tool uses half that range, which measured
    /// 1 point worse on one-epoch skip-gram with negative sampling), output rows zero.
    /// </summary>
    internal void Initialise(ulong seed)
    {
        var random = new FastRandom(seed);
        float scale = 1f / Dim;
        var input = InputArray.AsSpan();
        for (int i = 0; i < input.Length; i++) input[i] = (random.NextFloat() * 2 - 1) * scale;
        TreeOutputArray?.AsSpan().Clear();
        NoiseOutputArray?.AsSpan().Clear();
    }

    /// <summary>Copies every matrix into a model of the same shape.</summary>
    internal void CopyTo(Word2VecModel other)
    {
        InputArray.CopyTo(other.InputArray, 0);
        TreeOutputArray?.CopyTo(other.TreeOutputArray!, 0);
        NoiseOutputArray?.CopyTo(other.NoiseOutputArray!, 0);
    }


    private static float[] Allocate(long length)
    {
        if (length > Array.MaxLength)
            throw new InsufficientMemoryException($"a matrix of {length:N0} floats exceeds the {Array.MaxLength:N0}-element array limit; lower the dimension or cap the vocabulary");
        return Simd.Pinned.Allocate<float>((int)length);
    }
}
