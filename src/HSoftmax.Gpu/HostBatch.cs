using HSoftmax.Gpu.Kernels;
using HSoftmax.Training;

namespace HSoftmax.Gpu;

/// <summary>
/// The host's share of the gpu engine's work: chunks of word ids from <see cref="WordIdReader"/>,
/// subsampled into one batch of kept words with each word's sentence number (8 bytes per word sent).
/// </summary>
/// <remarks>
/// Subsampling is drawn afresh each epoch, before windowing (so windows reach further), as the CPU engine
/// draws it. Each chunk draws from its own stream (the epoch's seed and the chunk's number), so a batch's
/// words do not depend on where batches are cut.
/// </remarks>
internal sealed class HostBatch
{
    private readonly uint[] _keep;
    private ulong _seed;
    private long _chunks;
    private int _sentence;

    /// <param name="plan">The plan whose keep probabilities subsample the words.</param>
    /// <param name="capacity">Words the batch can hold: the launch's words plus one chunk.</param>
    public HostBatch(TrainingPlan plan, int capacity)
    {
        _keep = DeviceTables.KeepThresholds(plan.KeepProbabilities);
        Words = new int[capacity];
        Sentences = new int[capacity];
    }

    public int[] Words { get; }
    /// <summary>Each word's sentence number in the batch: a window stops where it changes.</summary>
    public int[] Sentences { get; }
    /// <summary>Kept words in the batch.</summary>
    public int Count { get; private set; }
    /// <summary>Corpus words (before subsampling) the batch covers: the learning-rate clock's step.</summary>
    public long CorpusWords { get; private set; }

    public void StartEpoch(ulong seed)
    {
        _seed = seed;
        _chunks = 0;
        Clear();
    }

    public void Clear()
    {
        Count = 0;
        CorpusWords = 0;
        _sentence = 0;
    }

    /// <summary>Subsamples a chunk into the batch.</summary>
    public void Add(WordIdChunk chunk)
    {
        ulong random = KernelRandom.ForToken(_seed ^ 0x5DEECE66DUL, _chunks++);
        var words = chunk.Words;
        int begin = 0, count = Count;
        foreach (int end in chunk.SentenceEnds)
        {
            for (int i = begin; i < end; i++)
            {
                int w = words[i];
                if ((uint)(KernelRandom.Next(ref random) >> 32) <= _keep[w])
                {
                    Words[count] = w;
                    Sentences[count++] = _sentence;
                }
            }
            _sentence++;
            begin = end;
        }
        Count = count;
        CorpusWords += words.Length;
    }
}
