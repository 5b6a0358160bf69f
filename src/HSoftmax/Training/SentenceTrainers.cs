using System.Runtime.InteropServices;
using HSoftmax.Simd;

namespace HSoftmax.Training;

/// <summary>Per-thread scratch for the hot loop, allocated once (as fastText's Model::State).</summary>
/// <remarks>
/// The hot loop writes these at every prediction. Allocated with <see cref="AllocateUnshared"/>, no two
/// threads' scratch share a cache line (or the pair of lines the adjacent-line prefetcher fetches
/// together), so one thread's writes never evict another's lines: the false sharing that two Worker
/// objects side by side on the heap would give.
/// </remarks>
internal unsafe struct ThreadScratch
{
    public float* Hidden;     // CBOW's context mean
    public float* Grad;       // gradient for the hidden vector (word2vec's neu1e)
    public FastRandom Random;
    public double Loss;       // float64 tally of this epoch's loss
    public long Examples;     // predictions tallied in Loss
    public long TrainedWords; // this epoch's words kept by subsampling
    public long PendingWords; // corpus words processed, not yet added to the run's shared counter
    public long SinceMerge;   // corpus words since this thread last merged its hot rows

    private const int Unshared = 128;

    /// <summary>Native memory of at least <paramref name="bytes"/> on 128-byte blocks no other allocation shares.</summary>
    public static void* AllocateUnshared(int bytes) =>
        NativeMemory.AlignedAlloc((nuint)((bytes + Unshared - 1) / Unshared * Unshared), Unshared);
}

/// <summary>
/// Skip-gram in the word2vec tool's orientation: for centre w and each context word c inside a window of
/// random size 1..window, c's input vector is the hidden vector and w is the target. The context's
/// input vector receives the gradient once all of w's outputs are updated.
/// </summary>
internal static unsafe class SkipGramTrainer
{
    public static void TrainSentence<TObjective>(ref TObjective objective, float* input, int dim, int window,
        int* sentence, int length, float alpha, ref ThreadScratch scratch) where TObjective : struct, IObjective
    {
        float* grad = scratch.Grad;
        if (length > 0)
        {
            Prefetch.Rows(input, dim, sentence, 0, Math.Min(length, window + 1));
            objective.Prefetch(sentence[0]);
        }
        for (int pos = 0; pos < length; pos++)
        {
            int centre = sentence[pos];
            // One centre ahead, as in CBOW: its output rows and the context row its window can gain.
            if (pos + 1 < length) objective.Prefetch(sentence[pos + 1]);
            if (pos + window + 1 < length) Prefetch.Row(input + (long)sentence[pos + window + 1] * dim, dim);
            int reduce = scratch.Random.NextInt(window);
            int start = Math.Max(0, pos - window + reduce);
            int end = Math.Min(length, pos + window - reduce + 1);
            for (int j = start; j < end; j++)
            {
                if (j == pos) continue;
                float* hidden = input + (long)sentence[j] * dim;
                VectorMath.Clear(grad, dim);
                scratch.Loss += objective.Step(hidden, centre, alpha, grad, ref scratch.Random);
                scratch.Examples++;
                VectorMath.Axpy(1f, grad, hidden, dim);
            }
        }
    }
}

/// <summary>
/// CBOW: the mean (or sum) of the context vectors predicts the centre word; every context vector then
/// receives the whole gradient, undivided, as in the word2vec tool (and gensim for the mean).
/// </summary>
internal static unsafe class CbowTrainer
{
    public static void TrainSentence<TObjective>(ref TObjective objective, float* input, int dim, int window, bool mean,
        int* sentence, int length, float alpha, ref ThreadScratch scratch) where TObjective : struct, IObjective
    {
        float* hidden = scratch.Hidden;
        float* grad = scratch.Grad;
        if (length > 0)
        {
            Prefetch.Rows(input, dim, sentence, 0, Math.Min(length, window + 1));
            objective.Prefetch(sentence[0]);
        }
        for (int pos = 0; pos < length; pos++)
        {
            // One prediction ahead: the next centre's output rows and the one context row that the
            // window can gain. The rest of the next window was used just now and is still in cache.
            if (pos + 1 < length) objective.Prefetch(sentence[pos + 1]);
            if (pos + window + 1 < length) Prefetch.Row(input + (long)sentence[pos + window + 1] * dim, dim);
            int reduce = scratch.Random.NextInt(window);
            int start = Math.Max(0, pos - window + reduce);
            int end = Math.Min(length, pos + window - reduce + 1);
            if (end - start <= 1) continue;  // no context
            VectorMath.Clear(hidden, dim);
            for (int j = start; j < end; j++)
                if (j != pos) VectorMath.Axpy(1f, input + (long)sentence[j] * dim, hidden, dim);
            if (mean) VectorMath.Scale(1f / (end - start - 1), hidden, dim);
            VectorMath.Clear(grad, dim);
            scratch.Loss += objective.Step(hidden, sentence[pos], alpha, grad, ref scratch.Random);
            scratch.Examples++;
            for (int j = start; j < end; j++)
                if (j != pos) VectorMath.Axpy(1f, grad, input + (long)sentence[j] * dim, dim);
        }
    }
}
