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
/// and queues chunks of whole sentences. Chunks are recycled through a
/// free list, so an epoch allocates nothing after the first few chunks.
/// </summary>
internal sealed class ChunkProducer
{
    public const int ChunkTokens = 16_384;

    private readonly CorpusReader _corpus;
    private readonly BlockingCollection<TokenChunk> _free;

    public ChunkProducer(CorpusReader corpus, int poolSize)
    {
        _corpus = corpus;
        ChunkCapacity = ChunkTokens + corpus.Options.MaxSentenceLength;  // a whole sentence always fits
        _free = new BlockingCollection<TokenChunk>(new ConcurrentQueue<TokenChunk>());
        for (int i = 0; i < poolSize; i++) _free.Add(new TokenChunk(ChunkCapacity));
    }

    /// <summary>The most tokens a chunk can hold.</summary>
    public int ChunkCapacity { get; }

    public void Recycle(TokenChunk chunk) { chunk.Clear(); _free.Add(chunk); }

    /// <summary>Reads one epoch into <paramref name="output"/>, then marks it complete (also on failure).</summary>
    public void ProduceEpoch(BlockingCollection<TokenChunk> output, CancellationToken cancellationToken)
    {
        try
        {
            var sink = new EncodingSink(this, output, cancellationToken);
            _corpus.Read(ref sink, validateUtf8: false, cancellationToken);
            sink.Flush();
        }
        finally
        {
            output.CompleteAdding();
        }
    }

    private struct EncodingSink : ITokenSink
    {
        private readonly ChunkProducer _owner;
        private readonly BlockingCollection<TokenChunk> _output;
        private readonly CancellationToken _cancel;
        private TokenChunk _chunk;
        private int _sentenceStart;

        public EncodingSink(ChunkProducer owner, BlockingCollection<TokenChunk> output, CancellationToken cancel)
        {
            _owner = owner; _output = output; _cancel = cancel;
            _chunk = owner._free.Take(cancel);
            _sentenceStart = 0;
        }

        public void Token(ReadOnlySpan<byte> token) => _chunk.AddToken(token);

        public void EndOfSentence()
        {
            if (_chunk.TokenCount == _sentenceStart) return;
            _chunk.SentenceEnds[_chunk.SentenceCount++] = _chunk.TokenCount;
            _sentenceStart = _chunk.TokenCount;
            if (_chunk.TokenCount >= ChunkTokens)
            {
                _output.Add(_chunk, _cancel);
                _chunk = _owner._free.Take(_cancel);
                _sentenceStart = 0;
            }
        }

        public void Flush()
        {
            // A last sentence cut by end of file was already closed by the reader.
            if (_chunk.SentenceCount > 0) _output.Add(_chunk, _cancel);
            else _owner.Recycle(_chunk);
        }
    }
}
