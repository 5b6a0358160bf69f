using System.Buffers.Binary;
using System.Text;
using HSoftmax.Corpus;

namespace HSoftmax.Distributed;

/// <summary>
/// Data-parallel training over an MPI job: every rank trains the CPU engine on its own part of the corpus
/// and the ranks keep their weights together at rounds (ModelSync). Rank 0 counts the corpus, every
/// rank builds the same tree from the vocabulary it sends, and all ranks end each epoch with the same
/// weights, which rank 0 writes. Give it to <see cref="Training.CpuEngine.Distributed"/>.
/// </summary>
/// <param name="job">The MPI job this process is a rank of.</param>
public sealed class DistributedTraining(MpiJob job)
{
    /// <summary>
    /// Words a rank trains between rounds by default, per training thread, with at least
    /// <see cref="MinSyncWords"/>: 8,192 up to 8 threads, 16,384 with 16. Rounds come at chunk ends, about
    /// one every 16,384 words of the rank at any thread count, so up to 16 threads this means a round
    /// after every chunk. Staleness follows the words a rank trains between rounds, not its threads, so
    /// ranks of many threads need rounds as often as ranks of one; ModelSync.BaseRows keeps their bytes a
    /// second in hand. On enwiki, 1 epoch, skip-gram + NS, three seeds: 4 ranks x 4 threads scored 0.135
    /// analogy and 2 x 8 0.131 (one process of 4 and of 8 threads 0.129 and 0.128), against 0.104 and (one
    /// seed) 0.116 with 8,192 words per thread (tools/results/scale-out.md). At 16 threads and 1M words/s
    /// per node, 10 GbE carries 100 nodes at about half its capacity.
    /// </summary>
    public const int DefaultSyncWordsPerThread = 1_024;

    /// <summary>
    /// The fewest words between rounds by default: rounds come at chunk ends, about 16,000 words each, so
    /// with one thread a round comes after every chunk. With 2 and 4 ranks of 1 thread, skip-gram + NS
    /// scored 0.128 and 0.131 analogy with 8,192 against 0.123 and 0.124 with 16,384.
    /// </summary>
    public const int MinSyncWords = 8_192;

    /// <summary>Words between rounds for ranks of <paramref name="threads"/> training threads, by default.</summary>
    internal static long DefaultSyncWords(int threads) => Math.Max(MinSyncWords, (long)DefaultSyncWordsPerThread * threads);

    /// <summary>The MPI job.</summary>
    public MpiJob Job => job;

    /// <summary>
    /// Corpus words a rank trains at least between two rounds (a round comes at the end of the chunk that
    /// reaches them); null for <see cref="DefaultSyncWordsPerThread"/> per thread, at least <see cref="MinSyncWords"/>.
    /// </summary>
    public long? SyncWords { get; init; }

    /// <summary>Rounds of synchronisation in the last run.</summary>
    public long Rounds { get; internal set; }

    /// <summary>Bytes this rank gave to the reductions in the last run (the rows' changes and their flags).</summary>
    public long PayloadBytes { get; internal set; }

    /// <summary>Time this rank spent synchronising in the last run.</summary>
    public TimeSpan SyncTime { get; internal set; }

    /// <summary>
    /// Rank 0's vocabulary, on every rank: rank 0 passes the one it counted or loaded, the others null.
    /// Every rank then builds the same Huffman tree from the same counts.
    /// </summary>
    /// <exception cref="ArgumentNullException">Rank 0 passed null.</exception>
    public Vocabulary ShareVocabulary(Vocabulary? vocabulary)
    {
        byte[] data = [];
        if (job.Rank == 0)
        {
            ArgumentNullException.ThrowIfNull(vocabulary);
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(vocabulary.Count);
                for (int i = 0; i < vocabulary.Count; i++)
                {
                    var word = vocabulary.GetWordUtf8(i);
                    writer.Write(word.Length);
                    writer.Write(word);
                    writer.Write(vocabulary.Counts[i]);
                }
            }
            data = stream.ToArray();
        }
        data = Broadcast(data);
        if (job.Rank == 0) return vocabulary!;
        using var reader = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
        int count = reader.ReadInt32();
        var entries = new (string, long)[count];
        for (int i = 0; i < count; i++)
            entries[i] = (Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32())), reader.ReadInt64());
        return Vocabulary.FromSorted(entries);
    }

    /// <summary>
    /// This rank's part of the corpus (<see cref="CorpusShare"/>): rank 0 measures the files' text and
    /// sends the lengths, so every rank cuts the same ranges.
    /// </summary>
    /// <exception cref="CorpusException">Rank 0 cannot read a file.</exception>
    public CorpusReader ShareCorpus(CorpusReader corpus, CancellationToken cancellationToken = default)
    {
        // The file list first: a rank whose machine holds other files would cut other ranges.
        byte[] mine = Encoding.UTF8.GetBytes(string.Join('\n', corpus.Files.Select(Path.GetFullPath)));
        byte[] rank0 = Broadcast(mine);   // a collective: every rank calls it
        if (!rank0.AsSpan().SequenceEqual(mine))
            throw new DistributedException($"--distributed: rank {job.Rank} finds other corpus files than rank 0 ({corpus.Files.Count} files here); every machine needs the same files at the same paths");
        var lengths = new long[corpus.Files.Count];
        if (job.Rank == 0) corpus.TextLengths(cancellationToken).CopyTo(lengths, 0);
        var bytes = new byte[lengths.Length * sizeof(long)];
        for (int i = 0; i < lengths.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), lengths[i]);
        job.Broadcast(bytes);
        for (int i = 0; i < lengths.Length; i++)
        {
            lengths[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * 8));
            // A plain file's text length is its size: a copy that differs from rank 0's is found here.
            if (job.Rank != 0 && CorpusFiles.PlainSize(corpus.Files[i]) is long size && size != lengths[i])
                throw new DistributedException($"{corpus.Files[i]}: {size:N0} bytes on rank {job.Rank}'s machine, {lengths[i]:N0} on rank 0's; every machine needs the same corpus");
        }
        return corpus.WithShare(new CorpusShare(job.Rank, job.Size, lengths, CorpusShare.DefaultStripes));
    }

    /// <summary>Rank 0's bytes, of any length, to every rank.</summary>
    private byte[] Broadcast(byte[] data)
    {
        var length = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, data.LongLength);
        job.Broadcast(length);
        long n = BinaryPrimitives.ReadInt64LittleEndian(length);
        if (job.Rank != 0) data = new byte[n];
        job.Broadcast(data);
        return data;
    }
}
