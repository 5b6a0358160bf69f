namespace HSoftmax.Training;

/// <summary>Where a run writes its checkpoints and how often; a final one is always written at the end.</summary>
/// <param name="Path">The model file, replaced atomically at each checkpoint.</param>
/// <param name="Every">Wall time between two checkpoints; null for none by time.</param>
/// <param name="EveryWords">Corpus words between two checkpoints; null for none by words.</param>
public sealed record CheckpointPolicy(string Path, TimeSpan? Every = null, long? EveryWords = null)
{
    /// <summary>Kept in the checkpoint for the caller (the CLI keeps its arguments there, to resume with).</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>The last checkpoint written, or null.</summary>
    public TrainingCheckpoint? Written { get; internal set; }
}

/// <summary>
/// Stops the training threads between two chunks, so that a checkpoint sees every chunk either trained
/// or not touched. Threads call <see cref="Pass"/> before taking a chunk and <see cref="Leave"/> when the
/// epoch ends for them; the run's monitor thread calls <see cref="Pause"/>, writes, then <see cref="Release"/>.
/// </summary>
internal sealed class PauseGate
{
    private readonly object _lock = new();
    private volatile bool _pause;
    private int _active, _waiting;

    public void Start(int threads)
    {
        lock (_lock) { _active = threads; _waiting = 0; _pause = false; }
    }

    /// <summary>Returns at once unless a pause is asked for; then runs <paramref name="beforeWaiting"/> and waits for the release.</summary>
    public void Pass(Action beforeWaiting)
    {
        if (!_pause) return;
        beforeWaiting();
        lock (_lock)
        {
            _waiting++;
            Monitor.PulseAll(_lock);
            while (_pause) Monitor.Wait(_lock);
            _waiting--;
        }
    }

    public void Leave()
    {
        lock (_lock) { _active--; Monitor.PulseAll(_lock); }
    }

    /// <summary>Returns once every thread still in the epoch waits at the gate.</summary>
    public void Pause()
    {
        lock (_lock)
        {
            _pause = true;
            while (_waiting < _active) Monitor.Wait(_lock);
        }
    }

    public void Release()
    {
        lock (_lock) { _pause = false; Monitor.PulseAll(_lock); }
    }
}
