using System.Collections.Concurrent;
using HSoftmax.Corpus;

namespace HSoftmax.Training;

/// <summary>A run of whole sentences as word ids, from a <see cref="WordIdReader"/>; give it back with <see cref="WordIdReader.Recycle"/>.</summary>
public sealed class WordIdChunk
{
    internal WordIdChunk(TokenChunk tokens) => Tokens = tokens;

    internal TokenChunk Tokens { get; }

    /// <summary>The words' ids in the vocabulary, sentence after sentence (words not in it are dropped).</summary>
    public ReadOnlySpan<int> Words => Tokens.Tokens.AsSpan(0, Tokens.TokenCount);

    /// <summary>Each sentence's end in <see cref="Words"/> (exclusive); sentences never share a window.</summary>
    public ReadOnlySpan<int> SentenceEnds => Tokens.SentenceEnds.AsSpan(0, Tokens.SentenceCount);

    /// <summary>The most words a chunk of its stream holds.</summary>
    public int Capacity => Tokens.Tokens.Length;
}

/// <summary>
/// One epoch of the corpus as chunks of word ids, for engines that train off the reading threads (a
/// device engine): one thread reads and cuts the text, one looks the words up, both ahead of the consumer.
/// </summary>
/// <remarks>
/// Sentences are dealt into 32 chunks, as the CPU engine deals them with up to 32 threads (see
/// ChunkProducer), so the order does not depend on how fast the consumer is. A stage that fails stops the other, and the error (a corpus error names its file and line)
/// comes out of <see cref="TryTake"/>; disposing stops both stages and waits for them.
/// </remarks>
public sealed class WordIdReader : IDisposable
{
    private readonly Vocabulary _vocabulary;
    private readonly ChunkProducer _producer;
    private readonly BlockingCollection<TokenChunk> _read;
    private readonly BlockingCollection<WordIdChunk> _ready;
    private readonly ConcurrentQueue<Exception> _errors = new();
    private readonly Action<TokenChunk, Vocabulary> _lookUp;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationToken _cancellation;
    private readonly Task[] _stages;
    private bool _disposed;

    /// <summary>Starts reading one epoch.</summary>
    /// <param name="corpus">The corpus to read.</param>
    /// <param name="vocabulary">The vocabulary words are looked up in; words outside it are dropped.</param>
    /// <param name="depth">Chunks each stage may run ahead of the consumer; at least 1.</param>
    /// <param name="cancellationToken">Stops both stages; <see cref="TryTake"/> then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="depth"/> is below 1.</exception>
    public static WordIdReader ReadEpoch(CorpusReader corpus, Vocabulary vocabulary, int depth = 4, CancellationToken cancellationToken = default) =>
        new(corpus, vocabulary, depth, null, cancellationToken);

    /// <param name="corpus">The corpus to read.</param>
    /// <param name="vocabulary">The vocabulary words are looked up in.</param>
    /// <param name="depth">Chunks each stage may run ahead of the consumer; at least 1.</param>
    /// <param name="lookUp">The look-up stage's work on a chunk; tests give one that fails.</param>
    /// <param name="cancellationToken">Stops both stages.</param>
    internal WordIdReader(CorpusReader corpus, Vocabulary vocabulary, int depth, Action<TokenChunk, Vocabulary>? lookUp, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        _vocabulary = vocabulary;
        _lookUp = lookUp ?? ((chunk, v) => chunk.Resolve(v));
        _producer = new ChunkProducer(corpus, poolSize: 2 * depth + 2, streams: ChunkProducer.DefaultStreams);
        _read = new BlockingCollection<TokenChunk>(boundedCapacity: depth);
        _ready = new BlockingCollection<WordIdChunk>(boundedCapacity: depth);
        // Either stage failing stops the other: a reader left blocked on a full queue would never end.
        _cancellation = cancellationToken;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = _stop.Token;
        _stages =
        [
            Task.Factory.StartNew(() => Guard(() => _producer.ProduceEpoch(_read, token)), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default),
            Task.Factory.StartNew(() => Guard(() => LookUp(token)), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default),
        ];
    }

    private void LookUp(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var chunk in _read.GetConsumingEnumerable(cancellationToken))
            {
                _lookUp(chunk, _vocabulary);
                if (chunk.SentenceCount == 0) { _producer.Recycle(chunk); continue; }
                _ready.Add(new WordIdChunk(chunk), cancellationToken);
            }
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }

    private void Guard(Action action)
    {
        try { action(); }
        catch (OperationCanceledException) { }
        catch (Exception e)
        {
            _errors.Enqueue(e);
            _stop.Cancel();
            _ready.CompleteAdding();
        }
    }

    /// <summary>
    /// The next chunk, or false at the end of the epoch. Rethrows the first error of a stage (at every call
    /// after it too), and throws <see cref="OperationCanceledException"/> when the epoch was cancelled, so a
    /// cut-short epoch never looks like a finished one.
    /// </summary>
    public bool TryTake(out WordIdChunk chunk, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var c in _ready.GetConsumingEnumerable(cancellationToken)) { chunk = c; return true; }
        Task.WaitAll(_stages, cancellationToken);
        if (_errors.TryPeek(out var e)) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
        cancellationToken.ThrowIfCancellationRequested();
        _cancellation.ThrowIfCancellationRequested();
        chunk = null!;
        return false;
    }

    /// <summary>Gives a chunk's buffers back to the reader; the chunk must not be used after. Does nothing once disposed.</summary>
    public void Recycle(WordIdChunk chunk)
    {
        if (!_disposed) _producer.Recycle(chunk.Tokens);
    }

    /// <summary>Stops both stages, waits for them, and frees the chunks; a second call does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        try { Task.WaitAll(_stages); }
        catch (AggregateException) { }  // cancelled; a stage's own error was kept
        _stop.Dispose();
        _producer.Dispose();
        _read.Dispose();
        _ready.Dispose();
    }
}
