using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using HSoftmax.Corpus;
using HSoftmax.Tree;

namespace HSoftmax.Training;

/// <summary>One training thread's own state at a safe point (between two chunks).</summary>
/// <param name="Random">The state of the thread's random number generator.</param>
/// <param name="Loss">The thread's summed loss so far in the epoch.</param>
/// <param name="Examples">The thread's predictions so far in the epoch, which <paramref name="Loss"/> is summed over.</param>
/// <param name="TrainedWords">The thread's words so far in the epoch that survived subsampling.</param>
public readonly record struct WorkerState(ulong Random, double Loss, long Examples, long TrainedWords);

/// <summary>
/// Everything a CPU-engine run needs to go on where it stopped: options, inputs, vocabulary with counts,
/// the tree, all weights, and where in which epoch it was, with each thread's random state. Written and
/// read by <see cref="ModelFile"/>.
/// </summary>
/// <remarks>
/// A checkpoint is taken only when every thread is between two chunks, and the chunks trained so far in
/// the epoch are then exactly its first <see cref="ChunksDone"/> (threads take them in order). The
/// corpus is dealt into chunks the same way on every pass, so a resumed run skips those chunks and
/// trains the rest. With one thread nothing else changes the arithmetic, and a resumed run's vectors are
/// bit for bit those of a run that never stopped.
/// </remarks>
public sealed class TrainingCheckpoint
{
    /// <summary>The run's options.</summary>
    public required TrainingOptions Options { get; init; }
    /// <summary>The corpus files, as the run read them.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }
    /// <summary>The command that started the run (the CLI's arguments; the library keeps it opaque).</summary>
    public IReadOnlyList<string> Command { get; init; } = [];
    /// <summary>The vocabulary, with its counts.</summary>
    public required Vocabulary Vocabulary { get; init; }
    /// <summary>All weights as they are at this point.</summary>
    public required Word2VecModel Model { get; init; }
    /// <summary>The Huffman tree, when it is not the one the counts build (a continued model's); null: built from the counts.</summary>
    public HuffmanTree? Tree { get; init; }
    /// <summary>The epoch in progress (1-based); <c>Options.Epochs + 1</c> once training has finished.</summary>
    public required int Epoch { get; init; }
    /// <summary>The corpus's words in the vocabulary per epoch (a continued model's counts include older text's).</summary>
    public long? WordsPerEpoch { get; init; }
    /// <summary>Chunks of <see cref="Epoch"/> already trained.</summary>
    public required long ChunksDone { get; init; }
    /// <summary>Corpus words processed over all epochs (the learning-rate clock).</summary>
    public required long WordsDone { get; init; }
    /// <summary>Each training thread's state, one per <see cref="TrainingOptions.Threads"/>.</summary>
    public required IReadOnlyList<WorkerState> Workers { get; init; }
    /// <summary>The epochs finished before this point.</summary>
    public required IReadOnlyList<EpochSummary> FinishedEpochs { get; init; }

    /// <summary>Whether training had finished all epochs: the model is final.</summary>
    public bool Finished => Epoch > Options.Epochs;
}

/// <summary>
/// HSoftmax's model file: a <see cref="TrainingCheckpoint"/> with a versioned header and a SHA-256
/// checksum, written atomically (temporary file, fsync, rename). The layout is in the README
/// ("Checkpoints") so other tools can read it.
/// </summary>
public static class ModelFile
{
    /// <summary>The format version this build writes and reads.</summary>
    public const int Version = 1;
    private static readonly byte[] Magic = "HSMODEL\0"u8.ToArray();
    private const int ChecksumBytes = 32;

    /// <summary>Writes <paramref name="c"/> to <paramref name="path"/> atomically: a reader sees the old file or the whole new one.</summary>
    /// <exception cref="PlatformNotSupportedException">The machine is big-endian.</exception>
    public static void Save(TrainingCheckpoint c, string path, CancellationToken cancellationToken = default)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("model files are little-endian");
        AtomicFile.Write(path, stream =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var hashing = new ObservedWriteStream(stream, hash.AppendData))
            using (var w = new BinaryWriter(new BufferedStream(hashing, 1 << 20), Encoding.UTF8, leaveOpen: false))
            {
                w.Write(Magic);
                w.Write(Version);
                WriteOptions(w, c.Options);
                WriteStrings(w, c.Inputs);
                WriteStrings(w, c.Command);
                w.Write(c.Epoch);
                w.Write(c.WordsPerEpoch ?? c.Vocabulary.TotalCount);
                w.Write(c.ChunksDone);
                w.Write(c.WordsDone);
                w.Write(c.FinishedEpochs.Count);
                foreach (var e in c.FinishedEpochs)
                {
                    w.Write(e.Epoch); w.Write(e.Loss); w.Write(e.Words); w.Write(e.TrainedWords); w.Write(e.Predictions); w.Write(e.Elapsed.TotalSeconds);
                }
                w.Write(c.Workers.Count);
                foreach (var s in c.Workers)
                {
                    w.Write(s.Random); w.Write(s.Loss); w.Write(s.Examples); w.Write(s.TrainedWords);
                }
                var v = c.Vocabulary;
                w.Write(v.Count);
                w.Write(c.Model.Dim);
                for (int i = 0; i < v.Count; i++)
                {
                    var word = v.GetWordUtf8(i);
                    w.Write(word.Length);
                    w.Write(word);
                    w.Write(v.Counts[i]);
                }
                var links = c.Model.TreeOutputArray is null ? null : (c.Tree ?? HuffmanTree.Build(v.Counts)).Links;
                w.Write(links?.Length ?? 0);
                if (links is not null) w.Write(MemoryMarshal.AsBytes(links.AsSpan()));
                w.Write((byte)((c.Model.TreeOutputArray is null ? 0 : 1) | (c.Model.NoiseOutputArray is null ? 0 : 2)));
                WriteFloats(w, c.Model.InputArray);
                if (c.Model.TreeOutputArray is { } tree) WriteFloats(w, tree);
                if (c.Model.NoiseOutputArray is { } noise) WriteFloats(w, noise);
            }
            stream.Write(hash.GetHashAndReset());
        }, cancellationToken);
    }

    /// <summary>Whether the file starts with a model file's header (so a tool can tell one from, say, a vocabulary file); it may still be corrupt.</summary>
    public static bool IsModelFile(string path)
    {
        Span<byte> head = stackalloc byte[8];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == Magic.Length && head.SequenceEqual(Magic);
    }

    /// <summary>Reads a model file; a foreign, corrupt, truncated or newer file is a <see cref="ModelFileException"/> saying which.</summary>
    public static TrainingCheckpoint Load(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("model files are little-endian");
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException($"{path}: cannot open: {e.Message}", e);
        }
        using (file)
        {
            long bodyLength = file.Length - ChecksumBytes;
            var head = new byte[Magic.Length + 4];
            if (bodyLength < head.Length || file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length || !head.AsSpan(0, Magic.Length).SequenceEqual(Magic))
                throw new ModelFileException($"{path}: not an HSoftmax model file (no HSMODEL header)");
            int version = BitConverter.ToInt32(head, Magic.Length);
            if (version != Version)
                throw new ModelFileException($"{path}: model file version {version}; this build reads version {Version}");
            // The checksum first, over the whole body: a damaged file is refused before any of it is trusted.
            file.Position = 0;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 20];
                long left = bodyLength;
                while (left > 0)
                {
                    int n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (n == 0) break;
                    hash.AppendData(buffer, 0, n);
                    left -= n;
                }
                var stored = new byte[ChecksumBytes];
                file.ReadExactly(stored);
                if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
                    throw new ModelFileException($"{path}: checksum mismatch: the file is damaged or was cut short");
            }
            file.Position = head.Length;
            try
            {
                return Read(new BinaryReader(new BufferedStream(file, 1 << 20), Encoding.UTF8, leaveOpen: true), path, bodyLength);
            }
            catch (EndOfStreamException e)
            {
                throw new ModelFileException($"{path}: the model file ends early", e);
            }
        }
    }

    private static TrainingCheckpoint Read(BinaryReader r, string path, long bodyLength)
    {
        var options = ReadOptions(r, path);
        var inputs = ReadStrings(r, path);
        var command = ReadStrings(r, path);
        int epoch = r.ReadInt32();
        long wordsPerEpoch = r.ReadInt64();
        long chunksDone = r.ReadInt64(), wordsDone = r.ReadInt64();
        var finished = new EpochSummary[Count(r.ReadInt32(), 1 << 20, "epochs", path)];
        for (int i = 0; i < finished.Length; i++)
            finished[i] = new EpochSummary(r.ReadInt32(), r.ReadDouble(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), TimeSpan.FromSeconds(r.ReadDouble()));
        var workers = new WorkerState[Count(r.ReadInt32(), 1 << 16, "threads", path)];
        for (int i = 0; i < workers.Length; i++) workers[i] = new WorkerState(r.ReadUInt64(), r.ReadDouble(), r.ReadInt64(), r.ReadInt64());
        int words = Count(r.ReadInt32(), HuffmanTree.MaxWords, "words", path);
        int dim = r.ReadInt32();
        if (dim != options.Dim || dim < 1)
            throw new ModelFileException($"{path}: the weights have dimension {dim} but the options say {options.Dim}");
        var entries = new List<(string, long)>(words);
        for (int i = 0; i < words; i++)
        {
            int length = Count(r.ReadInt32(), 1 << 20, "bytes in a word", path);
            entries.Add((Encoding.UTF8.GetString(r.ReadBytes(length)), r.ReadInt64()));
        }
        var vocabulary = Vocabulary.FromSorted(entries);
        int linkCount = Count(r.ReadInt32(), 2 * words, "tree links", path);
        var links = new int[linkCount];
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(links.AsSpan()));
        byte matrices = r.ReadByte();
        bool hs = (matrices & 1) != 0, ns = (matrices & 2) != 0;
        if (hs != options.UsesTreeOutput || ns != options.UsesWordOutput)
            throw new ModelFileException($"{path}: the weights stored do not match the loss {options.Loss}");
        long need = 4L * dim * (words + (hs ? Math.Max(0, words - 1) : 0) + (ns ? words : 0));
        if (need > bodyLength)
            throw new ModelFileException($"{path}: {words:N0} words x {dim} dims need {need:N0} bytes of weights, more than the file holds");
        HuffmanTree? tree = null;
        if (hs)
        {
            try { tree = HuffmanTree.FromLinks(links, vocabulary.Counts); }
            catch (ArgumentException e) { throw new ModelFileException($"{path}: the stored Huffman tree is not a tree: {e.Message}", e); }
        }
        var model = new Word2VecModel(words, dim, hs, ns);
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(model.InputArray.AsSpan()));
        if (model.TreeOutputArray is { } treeRows) r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(treeRows.AsSpan()));
        if (model.NoiseOutputArray is { } noise) r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(noise.AsSpan()));
        if (workers.Length != options.Threads)
            throw new ModelFileException($"{path}: {workers.Length} thread states for {options.Threads} threads");
        return new TrainingCheckpoint
        {
            Options = options, Inputs = inputs, Command = command, Vocabulary = vocabulary, Model = model, Tree = tree,
            Epoch = epoch, WordsPerEpoch = wordsPerEpoch, ChunksDone = chunksDone, WordsDone = wordsDone, Workers = workers, FinishedEpochs = finished,
        };
    }

    private static int Count(int value, int max, string what, string path) =>
        value >= 0 && value <= max ? value : throw new ModelFileException($"{path}: {value:N0} {what} is out of range: the file is not a model file this build wrote");

    private static void WriteOptions(BinaryWriter w, TrainingOptions o)
    {
        w.Write((byte)o.Model); w.Write((byte)o.Loss); w.Write(o.Dim); w.Write(o.Window); w.Write(o.Negative);
        w.Write(o.NegativeExponent); w.Write(o.Sample); w.Write(o.MinCount); w.Write(o.MaxVocab ?? -1);
        w.Write(o.Alpha ?? float.NaN); w.Write(o.MinAlpha); w.Write(o.Epochs); w.Write(o.Threads); w.Write(o.Seed);
        w.Write(o.CbowMean); w.Write(o.Corpus.MaxSentenceLength); w.Write(o.Corpus.MaxTokenBytes);
    }

    private static TrainingOptions ReadOptions(BinaryReader r, string path)
    {
        var model = (ModelKind)r.ReadByte();
        var loss = (LossKind)r.ReadByte();
        int dim = r.ReadInt32(), window = r.ReadInt32(), negative = r.ReadInt32();
        double exponent = r.ReadDouble(), sample = r.ReadDouble();
        int minCount = r.ReadInt32(), maxVocab = r.ReadInt32();
        float alpha = r.ReadSingle(), minAlpha = r.ReadSingle();
        int epochs = r.ReadInt32(), threads = r.ReadInt32();
        ulong seed = r.ReadUInt64();
        bool cbowMean = r.ReadBoolean();
        int maxSentence = r.ReadInt32(), maxToken = r.ReadInt32();
        var options = new TrainingOptions
        {
            Model = model, Loss = loss, Dim = dim, Window = window, Negative = negative, NegativeExponent = exponent, Sample = sample,
            MinCount = minCount, MaxVocab = maxVocab < 0 ? null : maxVocab, Alpha = float.IsNaN(alpha) ? null : alpha, MinAlpha = minAlpha,
            Epochs = epochs, Threads = threads, Seed = seed, CbowMean = cbowMean,
            Corpus = new CorpusOptions { MaxSentenceLength = maxSentence, MaxTokenBytes = maxToken },
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new ModelFileException($"{path}: the options stored are not valid: {e.Message}", e); }
        return options;
    }

    private static void WriteStrings(BinaryWriter w, IReadOnlyList<string> strings)
    {
        w.Write(strings.Count);
        foreach (string s in strings) w.Write(s);
    }

    private static string[] ReadStrings(BinaryReader r, string path)
    {
        var result = new string[Count(r.ReadInt32(), 1 << 20, "strings", path)];
        for (int i = 0; i < result.Length; i++) result[i] = r.ReadString();
        return result;
    }

    /// <summary>In blocks: a matrix over 512M floats has more bytes than one span can hold. (Cancellation is checked by AtomicFile at every write.)</summary>
    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        const int Block = 1 << 18;
        for (int i = 0; i < values.Length; i += Block)
            w.Write(MemoryMarshal.AsBytes(values.AsSpan(i, Math.Min(Block, values.Length - i))));
    }
}
