using System.Collections.Concurrent;
using HSoftmax.Corpus;
using HSoftmax.Training;

namespace HSoftmax.Torch;

/// <summary>A chunk of word ids ready for the device: word ids and the sentence number of each token.</summary>
internal sealed class DeviceChunk(int capacity)
{
    public readonly int[] Words = new int[capacity];
    public readonly int[] Sentences = new int[capacity];
    public int Count;
}

/// <summary>
/// The host side of the TorchSharp engine, two threads that overlap the device: one reads and cuts the
/// corpus (the CPU engine's <see cref="ChunkProducer"/>), one looks the words up and numbers the sentences.
/// </summary>
internal sealed class HostFeed : IDisposable
{
    private readonly Vocabulary _vocabulary;
    private readonly ChunkProducer _producer;
    private readonly BlockingCollection<TokenChunk> _tokens;
    private readonly BlockingCollection<DeviceChunk> _ready;
    private readonly BlockingCollection<DeviceChunk> _free = new(new ConcurrentQueue<DeviceChunk>());
    private readonly ConcurrentQueue<Exception> _errors = new();
    private readonly Action<TokenChunk, Vocabulary> _lookUp;
    private CancellationTokenSource? _stop;

    /// <param name="lookUp">The look-up stage's work on a chunk; tests give one that fails.</param>
    public HostFeed(CorpusReader corpus, Vocabulary vocabulary, int depth, Action<TokenChunk, Vocabulary>? lookUp = null)
    {
        _vocabulary = vocabulary;
        _lookUp = lookUp ?? ((chunk, v) => chunk.Resolve(v));
        _producer = new ChunkProducer(corpus, poolSize: depth + 2);
        _tokens = new BlockingCollection<TokenChunk>(boundedCapacity: depth);
        _ready = new BlockingCollection<DeviceChunk>(boundedCapacity: depth);
        for (int i = 0; i < depth + 2; i++) _free.Add(new DeviceChunk(_producer.ChunkCapacity));
    }

    public Task[] Start(CancellationToken outer)
    {
        // Either stage failing stops the other: a reader left blocked on a full queue would never end,
        // and the trainer waits for both stages.
        _stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        var cancellationToken = _stop.Token;
        var read = Task.Factory.StartNew(() => Guard(() => _producer.ProduceEpoch(_tokens, cancellationToken)), TaskCreationOptions.LongRunning);
        var prepare = Task.Factory.StartNew(() => Guard(() =>
        {
            try
            {
                foreach (var chunk in _tokens.GetConsumingEnumerable(cancellationToken))
                {
                    _lookUp(chunk, _vocabulary);
                    var ready = _free.Take(cancellationToken);
                    chunk.Tokens.AsSpan(0, chunk.TokenCount).CopyTo(ready.Words);
                    int begin = 0;
                    for (int s = 0; s < chunk.SentenceCount; s++)
                    {
                        int end = chunk.SentenceEnds[s];
                        ready.Sentences.AsSpan(begin, end - begin).Fill(s);
                        begin = end;
                    }
                    ready.Count = chunk.TokenCount;
                    _producer.Recycle(chunk);
                    _ready.Add(ready, cancellationToken);
                }
            }
            finally
            {
                _ready.CompleteAdding();
            }
        }), TaskCreationOptions.LongRunning);
        return [read, prepare];
    }

    private void Guard(Action action)
    {
        try { action(); }
        catch (OperationCanceledException) { }
        catch (Exception e)
        {
            _errors.Enqueue(e);
            _stop?.Cancel();
            _ready.CompleteAdding();
        }
    }

    /// <summary>The next chunk, or false at the end of the epoch (or when a host stage failed).</summary>
    public bool TryTake(out DeviceChunk chunk, CancellationToken cancellationToken)
    {
        foreach (var c in _ready.GetConsumingEnumerable(cancellationToken)) { chunk = c; return true; }
        chunk = null!;
        return false;
    }

    public void Recycle(DeviceChunk chunk) => _free.Add(chunk);

    /// <summary>Rethrows the first error of a host stage (a corpus error names its file and line).</summary>
    public void ThrowIfFailed()
    {
        if (_errors.TryDequeue(out var e)) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
    }

    public void Dispose()
    {
        _stop?.Dispose();
        _tokens.Dispose();
        _ready.Dispose();
        _free.Dispose();
    }
}
