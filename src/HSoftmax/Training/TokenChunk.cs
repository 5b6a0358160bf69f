using System.Collections.Concurrent;
using HSoftmax.Corpus;

namespace HSoftmax.Training;

/// <summary>
/// A run of whole sentences handed from the reader thread to a training thread. The reader only cuts
/// tokens (their bytes go into <see cref="Bytes"/>); the training thread looks them up
/// (<see cref="Resolve"/>), so the vocabulary lookups, half the reader's work, are spread over the
/// training threads instead of queueing on the one reader.
/// </summary>
internal sealed class TokenChunk
{
    public TokenChunk(int capacity)
    {
        Tokens = new int[capacity];
        TokenStarts = new int[capacity + 1];
        SentenceEnds = new int[capacity];
        Bytes = new byte[capacity * 8];
    }

    public readonly int[] Tokens;        // word ids, after Resolve
    public readonly int[] TokenStarts;   // before Resolve: token i is Bytes[TokenStarts[i] .. TokenStarts[i + 1])
    public readonly int[] SentenceEnds;  // exclusive end of each sentence (in tokens)
    public byte[] Bytes;
    public int ByteCount;
    public int TokenCount;
    public int SentenceCount;

    public void Clear() { TokenCount = 0; SentenceCount = 0; ByteCount = 0; }

    public void AddToken(ReadOnlySpan<byte> token)
    {
        if (ByteCount + token.Length > Bytes.Length) Array.Resize(ref Bytes, Math.Max(Bytes.Length * 2, ByteCount + token.Length));
        TokenStarts[TokenCount++] = ByteCount;
        token.CopyTo(Bytes.AsSpan(ByteCount));
        ByteCount += token.Length;
        TokenStarts[TokenCount] = ByteCount;
    }

    /// <summary>Maps tokens to word ids in place, dropping unknown words (as word2vec) and sentences left empty.</summary>
    public void Resolve(Vocabulary vocabulary)
    {
        LookUp(vocabulary.Words);
        int kept = 0, sentences = 0, begin = 0;
        for (int s = 0; s < SentenceCount; s++)
        {
            int end = SentenceEnds[s];
            int start = kept;
            for (int i = begin; i < end; i++)
                if (Tokens[i] >= 0) Tokens[kept++] = Tokens[i];
            begin = end;
            if (kept > start) SentenceEnds[sentences++] = kept;
        }
        TokenCount = kept;
        SentenceCount = sentences;
    }

    private const int LookAhead = 8;

    /// <summary>Tokens[i] = the id of token i, or -1.</summary>
    /// <remarks>
    /// With millions of words a lookup's first slot is a cache miss. Each token's slot is asked for
    /// <see cref="LookAhead"/> tokens before it is probed, so the misses of several tokens overlap
    /// instead of queueing one after another.
    /// </remarks>
    private void LookUp(Utf8WordTable words)
    {
        Span<uint> hashes = stackalloc uint[LookAhead];
        int n = TokenCount;
        for (int i = 0; i < n + LookAhead; i++)
        {
            int j = i - LookAhead;  // probed now; its hash's place is then free for token i
            if (j >= 0) Tokens[j] = words.Find(Token(j), hashes[j % LookAhead]);
            if (i < n)
            {
                uint hash = Utf8WordTable.Hash(Token(i));
                words.PrefetchSlot(hash);
                hashes[i % LookAhead] = hash;
            }
        }
    }

    private ReadOnlySpan<byte> Token(int i) => Bytes.AsSpan(TokenStarts[i], TokenStarts[i + 1] - TokenStarts[i]);
}

/// <summary>
/// The reader side of training: streams the corpus once per epoch, cuts it into tokens and sentences,
/// and queues chunks of whole sentences. Chunks are recycled through a free list, so an epoch allocates
/// nothing after the first few chunks.
/// </summary>
/// <remarks>
/// Sentences are dealt round-robin into <c>streams</c> open chunks, so each chunk holds every
/// streams-th sentence of a stretch of about streams x <see cref="ChunkTokens"/> tokens. Corpora come
/// in order (a Wikipedia dump is article after article), and SGD fits what it saw last. Without the
/// deal, N threads each on a chunk of consecutive sentences trained on N places of the corpus at once,
/// so the thread count alone changed the vectors (<c>tools/results/design-notes.md</c>). Dealt, every chunk already spans the stretch, at any thread count
/// up to the number of streams, and a 1-thread run trains as well as a many-thread one.
/// </remarks>
internal sealed class ChunkProducer : IDisposable
{
    public const int ChunkTokens = 16_384;

    /// <summary>Open chunks the CPU engine deals sentences into: a stretch of 512k tokens, what 32 threads spanned.</summary>
    public const int DefaultStreams = 32;

    private readonly CorpusReader _corpus;
    private readonly int _streams;
    private readonly BlockingCollection<TokenChunk> _free;

    /// <param name="corpus">The corpus to read.</param>
    /// <param name="poolSize">Chunks for the consumers, beyond the <paramref name="streams"/> the reader fills.</param>
    /// <param name="streams">Open chunks the reader deals sentences into; 1 keeps the corpus order.</param>
    public ChunkProducer(CorpusReader corpus, int poolSize, int streams = 1)
    {
        _corpus = corpus;
        _streams = streams;
        ChunkCapacity = ChunkTokens + corpus.Options.MaxSentenceLength;  // a whole sentence always fits
        _free = new BlockingCollection<TokenChunk>(new ConcurrentQueue<TokenChunk>());
        for (int i = 0; i < poolSize + streams; i++) _free.Add(new TokenChunk(ChunkCapacity));
    }

    /// <summary>The most tokens a chunk can hold.</summary>
    public int ChunkCapacity { get; }

    public void Recycle(TokenChunk chunk) { chunk.Clear(); _free.Add(chunk); }

    public void Dispose() => _free.Dispose();

    /// <summary>Reads one epoch into <paramref name="output"/>, then marks it complete (also on failure).</summary>
    public void ProduceEpoch(BlockingCollection<TokenChunk> output, CancellationToken cancellationToken)
    {
        try
        {
            var sink = new DealingSink(this, output, cancellationToken);
            _corpus.Read(ref sink, validateUtf8: false, cancellationToken);
            sink.Flush();
        }
        finally
        {
            output.CompleteAdding();
        }
    }

    private struct DealingSink : ITokenSink
    {
        private readonly ChunkProducer _owner;
        private readonly BlockingCollection<TokenChunk> _output;
        private readonly CancellationToken _cancel;
        private readonly TokenChunk[] _open;
        private int _current;  // the open chunk the sentence being read goes to

        public DealingSink(ChunkProducer owner, BlockingCollection<TokenChunk> output, CancellationToken cancel)
        {
            _owner = owner; _output = output; _cancel = cancel;
            _open = new TokenChunk[owner._streams];
            for (int i = 0; i < _open.Length; i++) _open[i] = owner._free.Take(cancel);
            _current = 0;
        }

        public void Token(ReadOnlySpan<byte> token) => _open[_current].AddToken(token);

        public void EndOfSentence()
        {
            var chunk = _open[_current];
            int sentenceStart = chunk.SentenceCount == 0 ? 0 : chunk.SentenceEnds[chunk.SentenceCount - 1];
            if (chunk.TokenCount == sentenceStart) return;  // an empty line: the next sentence goes to the same chunk
            chunk.SentenceEnds[chunk.SentenceCount++] = chunk.TokenCount;
            if (chunk.TokenCount >= ChunkTokens)
            {
                _output.Add(chunk, _cancel);
                _open[_current] = _owner._free.Take(_cancel);
            }
            _current = _current + 1 == _open.Length ? 0 : _current + 1;
        }

        public void Flush()
        {
            // A last sentence cut by end of file was already closed by the reader.
            foreach (var chunk in _open)
            {
                if (chunk.SentenceCount > 0) _output.Add(chunk, _cancel);
                else _owner.Recycle(chunk);
            }
        }
    }
}
