using System.Collections.Concurrent;
using HSoftmax.Corpus;

namespace HSoftmax.Training;

/// <summary>A run of whole sentences as word ids, handed from the reader thread to a training thread.</summary>
internal sealed class TokenChunk
{
    public TokenChunk(int capacity)
    {
        Tokens = new int[capacity];
        SentenceEnds = new int[capacity];
    }

    public readonly int[] Tokens;
    public readonly int[] SentenceEnds;  // exclusive end of each sentence in Tokens
    public int TokenCount;
    public int SentenceCount;

    public void Clear() { TokenCount = 0; SentenceCount = 0; }
}

/// <summary>
/// The reader side of training: streams the corpus once per epoch, maps tokens to ids (unknown words
/// are dropped, as in word2vec), and queues chunks of whole sentences. Chunks are recycled through a
/// free list, so an epoch allocates nothing after the first few chunks.
/// </summary>
internal sealed class ChunkProducer
{
    public const int ChunkTokens = 16_384;

    private readonly CorpusReader _corpus;
    private readonly Vocabulary _vocabulary;
    private readonly BlockingCollection<TokenChunk> _free;
    private readonly int _capacity;

    public ChunkProducer(CorpusReader corpus, Vocabulary vocabulary, int poolSize)
    {
        _corpus = corpus;
        _vocabulary = vocabulary;
        _capacity = ChunkTokens + corpus.Options.MaxSentenceLength;
        _free = new BlockingCollection<TokenChunk>(new ConcurrentQueue<TokenChunk>());
        for (int i = 0; i < poolSize; i++) _free.Add(new TokenChunk(_capacity));
    }

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

        public void Token(ReadOnlySpan<byte> token)
        {
            int id = _owner._vocabulary.IndexOf(token);
            if (id >= 0) _chunk.Tokens[_chunk.TokenCount++] = id;
        }

        public void EndOfSentence()
        {
            if (_chunk.TokenCount == _sentenceStart) return;  // every word was unknown
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
