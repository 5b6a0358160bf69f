using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HSoftmax.Training;

/// <summary>
/// The weight matrices of a word2vec model, row-major, one row per word or tree node:
/// <see cref="Input"/> (word2vec's syn0, the word vectors), <see cref="TreeOutput"/> (syn1, one row per
/// inner node of the Huffman tree) and <see cref="NoiseOutput"/> (syn1neg, one row per word).
/// Arrays live on the pinned heap so the hot loop can hold raw pointers into them.
/// </summary>
public sealed class Word2VecModel
{
    public Word2VecModel(int words, int dim, bool hierarchicalSoftmax, bool negativeSampling)
    {
        WordCount = words;
        Dim = dim;
        Input = Allocate((long)words * dim);
        TreeOutput = hierarchicalSoftmax ? Allocate((long)Math.Max(0, words - 1) * dim) : null;
        NoiseOutput = negativeSampling ? Allocate((long)words * dim) : null;
    }

    public int WordCount { get; }
    public int Dim { get; }
    public float[] Input { get; }
    public float[]? TreeOutput { get; }
    public float[]? NoiseOutput { get; }

    /// <summary>Bytes the matrices of such a model take, to check before allocating.</summary>
    public static long EstimateBytes(int words, int dim, bool hierarchicalSoftmax, bool negativeSampling) =>
        4L * dim * ((long)words + (hierarchicalSoftmax ? Math.Max(0, words - 1) : 0) + (negativeSampling ? words : 0));

    /// <summary>
    /// Input rows uniform in [-1, 1) / dim (gensim 4; the word2vec tool uses half that range, which measured
    /// 1 point worse on one-epoch skip-gram with negative sampling), output rows zero.
    /// </summary>
    public void Initialise(ulong seed)
    {
        var random = new FastRandom(seed);
        float scale = 1f / Dim;
        var input = Input.AsSpan();
        for (int i = 0; i < input.Length; i++) input[i] = (random.NextFloat() * 2 - 1) * scale;
        TreeOutput?.AsSpan().Clear();
        NoiseOutput?.AsSpan().Clear();
    }

    /// <summary>Copies every matrix into a model of the same shape.</summary>
    internal void CopyTo(Word2VecModel other)
    {
        Input.CopyTo(other.Input, 0);
        TreeOutput?.CopyTo(other.TreeOutput!, 0);
        NoiseOutput?.CopyTo(other.NoiseOutput!, 0);
    }

    internal static unsafe float* Pointer(float[]? array) =>
        array is null || array.Length == 0 ? null : (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));

    private static float[] Allocate(long length)
    {
        if (length > Array.MaxLength)
            throw new InsufficientMemoryException($"a matrix of {length:N0} floats exceeds the {Array.MaxLength:N0}-element array limit; lower --dim or --max-vocab");
        return GC.AllocateUninitializedArray<float>((int)length, pinned: true);
    }
}
