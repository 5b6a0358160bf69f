using System.Diagnostics;
using HSoftmax.Simd;
using HSoftmax.Training;

namespace HSoftmax.Distributed;

/// <summary>
/// Keeps the ranks' copies of the weights together while each trains on its own part of the corpus: at
/// rounds, every rank sends what it changed in a set of rows since those rows were last synchronised,
/// and every rank adds the same combination of the changes.
/// </summary>
/// <remarks>
/// <para><b>Which rows, when</b> (pWord2Vec's schedule). A round comes every
/// <see cref="DistributedTraining.SyncWords"/> words a rank trains, at the end of a chunk. Round k synchronises the first
/// B x 2^(trailing zeros of k) rows of each matrix in frequency order (B = <see cref="BaseRows"/>): the most
/// frequent words' input and noise rows, and the top of the Huffman tree (its last inner nodes). Row r
/// then goes about every r / B rounds: each row gets about as many updates between two of its rounds,
/// whatever its frequency, and all rows go at least every V / B rounds and at the end of every epoch. A
/// round's payload is about B x (1 + log2(V / B) / 2) rows per matrix on average. Rounds come at chunk
/// ends, so at most once a chunk (16,384 words) of the rank at any thread count, and a node's bytes a
/// second grow with its threads. B is therefore 4,096 up to 4 threads and 1,024 (pWord2Vec's) beyond:
/// at 62,500 words/s a thread, a node of 4 threads with 4,096 rows sends 47% of 10 GbE at 100 nodes, the
/// model's node of 16 threads with 1,024 rows 55% (tools/scale_out.py --model). Fewer rows leave the
/// rarer rows stale: with one thread, pWord2Vec's 1,024 let the rarer half of enwiki's vocabulary meet
/// only at the epoch's end in a 52-round epoch at 4 ranks (analogy 0.177 against 0.185 with 4,096), and
/// at 4 ranks x 4 threads skip-gram + HS scored 0.210 with 1,024 rows and 0.218 with 4,096, one process
/// 0.216 (seven seeds). At 2 ranks x 8 threads 2,048 rows gained nothing over 1,024 (CBOW + NS 0.087
/// against 0.089, skip-gram + HS 0.216 against 0.215; tools/results/scale-out.md).</para>
/// <para><b>How changes combine.</b> This is the thread-count issue's lesson (see SharedHotRows),
/// at a longer interval. A row written often enough to settle within one round gets the same
/// correction from every rank, computed from the same stale start; adding n of them makes it oscillate
/// with growing amplitude once n >= 3, while their mean is stable at any n. A row written less often
/// carries new information from each rank, which a mean divides by n: its changes are summed, as one
/// process's updates add up. Which rows settle depends on how many updates they get in a round:
/// under Zipf's law a row's share of the updates falls as 1/rank, so the cut moves with the round's
/// length, at --sync-words / 32 rows (256 rows for one thread's 8,192 words, whose rounds come about
/// every 16,000 words, at every chunk's end: on enwiki the row there is written about 60 times per round).
/// With its change each rank sends the change's squared length and a flag, and a row above the cut
/// moves by the sum of the changes times w = sum(|change|^2) / |sum of changes|^2, kept between 1/n
/// and 1 (n: the ranks that changed it): when n ranks made the same change the row moves by it once;
/// when their changes are unrelated they add up. Measured on enwiki, 1 epoch, 4 ranks of 1 thread,
/// rounds every 47,000 words (tools/results/scale-out.md): skip-gram + NS reached 0.075 analogy / 0.381
/// WS-353 with this weight on every row, 0.105 / 0.480 with the cut at 1,024 rows; the cut at 256 rows,
/// too low for rounds that long, let the loss climb (3.35 against 2.52). Noise rows are summed from a
/// cut four times lower, --sync-words / 128 (64 rows for 8,192 words): on enwiki, 1 epoch, 4 ranks of
/// 1 thread, CBOW + NS rose from 0.091 to 0.097 analogy (seven seeds; one process 0.100). A word's
/// input and noise rows move the same scores, and only one of the two may be summed that far up: with
/// both cuts at 64 rows, skip-gram + NS at 4 ranks ended 8.4% above one process's loss on the bundled
/// corpus, with either alone 1.3-1.4%. The tree keeps the input rows' cut: at 64 rows skip-gram + HS's
/// loss climbed 1.6%.</para>
/// <para><b>Training goes on through a round.</b> The row's value at the last round is kept (one more
/// copy of the weights), so what other training threads of this rank write to a row during a round is
/// kept too: the round adds (combined change - this rank's change) to the row, not a new value over it.
/// Plain rows take no lock (Hogwild); the hot rows, which threads merge from private copies, are
/// applied under the same stripe locks as those merges. With one training thread per rank, rounds fall
/// after the same chunks every run, and runs are repeatable.</para>
/// </remarks>
internal sealed unsafe class ModelSync
{
    /// <summary>
    /// Rows of each matrix in every round (the base of the schedule) for ranks of <paramref name="threads"/>
    /// training threads: 4,096 up to 4 threads, 1,024 (pWord2Vec's) beyond, so that no node sends more bytes
    /// a second than the model's node of 16 threads. See the remarks.
    /// </summary>
    public static int BaseRows(int threads) => threads <= 4 ? 4096 : 1024;
    /// <summary>
    /// Rows that may settle within a round, and are combined by agreement, are the first round words / 32
    /// input and tree rows and round words / 128 noise rows, at least 64 each; the rest are summed. See
    /// the remarks.
    /// </summary>
    private const int WordsPerSettlingRow = 32, WordsPerSettlingNoiseRow = 128, SettlingRowsMin = 64;
    private const int PieceFloats = 1 << 20;   // a round goes in pieces of 4 MB, so its buffers stay small

    private readonly MpiJob _job;
    private readonly Matrix[] _matrices;
    private readonly long _roundWords;
    private readonly int _baseRows;
    private readonly float[] _sent = new float[PieceFloats], _sums = new float[PieceFloats];
    private readonly object _lock = new();
    private readonly Stopwatch _syncClock = new();
    private long _localWords, _wordsAtLastRound, _nextRound;
    private long _round;

    public ModelSync(MpiJob job, Word2VecModel model, long roundWords, int baseRows)
    {
        _job = job;
        _baseRows = baseRows;
        _roundWords = roundWords;
        long cut = Math.Max(SettlingRowsMin, roundWords / WordsPerSettlingRow);
        long noiseCut = Math.Max(SettlingRowsMin, roundWords / WordsPerSettlingNoiseRow);
        var matrices = new List<Matrix> { new(model.InputArray, model.Dim, FromEnd: false, cut) };
        if (model.TreeOutputArray is { } tree) matrices.Add(new(tree, model.Dim, FromEnd: true, cut));
        if (model.NoiseOutputArray is { } noise) matrices.Add(new(noise, model.Dim, FromEnd: false, noiseCut));
        _matrices = [.. matrices];
        _nextRound = roundWords;
    }

    /// <summary>This process's rank and the job's size.</summary>
    public MpiJob Job => _job;

    /// <summary>Rounds so far.</summary>
    public long Rounds => Interlocked.Read(ref _round);

    /// <summary>Floats this rank gave to the reductions so far (rows and their flags).</summary>
    public long PayloadFloats { get; private set; }

    /// <summary>Time spent in rounds (preparing, reducing and applying).</summary>
    public TimeSpan SyncTime => _syncClock.Elapsed;

    /// <summary>
    /// Called by a training thread after each chunk of <paramref name="words"/> words; runs a round when
    /// one is due. Returns the words the other ranks trained since the last round (0 if none ran).
    /// </summary>
    public long AfterChunk(long words)
    {
        long local = Interlocked.Add(ref _localWords, words);
        if (local < Volatile.Read(ref _nextRound)) return 0;
        lock (_lock)
        {
            if (Interlocked.Read(ref _localWords) < _nextRound) return 0;   // another thread ran it
            _nextRound = Interlocked.Read(ref _localWords) + _roundWords;
            return Round(active: true, out _);
        }
    }

    /// <summary>
    /// Called once this rank has trained its whole part of the epoch: goes on joining rounds until every
    /// rank has, then synchronises every row, so that all ranks end the epoch with the same weights.
    /// Returns the words the other ranks trained since the last round.
    /// </summary>
    public long FinishEpoch()
    {
        lock (_lock)
        {
            long others = 0;
            bool allDone;
            do others += Round(active: false, out allDone);
            while (!allDone);
            _nextRound = Interlocked.Read(ref _localWords) + _roundWords;
            return others;
        }
    }

    /// <summary>Adds every rank's values (an epoch's loss and counts) in place.</summary>
    public void Sum(Span<double> values) => _job.SumInPlace(values);

    /// <param name="active">Whether this rank is still training its part of the epoch.</param>
    /// <param name="allDone">No rank is: this round synchronised every row.</param>
    private long Round(bool active, out bool allDone)
    {
        _syncClock.Start();
        try
        {
            long local = Interlocked.Read(ref _localWords), since = local - _wordsAtLastRound;
            Span<long> header = [active ? 1 : 0, since];
            _wordsAtLastRound = local;
            _job.SumInPlace(header);
            allDone = header[0] == 0;
            long k = Interlocked.Increment(ref _round);
            foreach (var m in _matrices)
            {
                int rows = allDone ? m.Rows : (int)Math.Min(m.Rows, (long)_baseRows << Math.Min(30, System.Numerics.BitOperations.TrailingZeroCount(k)));
                int first = m.FromEnd ? m.Rows - rows : 0;
                Synchronise(m, first, rows);
            }
            return header[1] - since;
        }
        finally { _syncClock.Stop(); }
    }

    /// <summary>One reduction of rows [first, first + rows) of a matrix, in pieces.</summary>
    private void Synchronise(Matrix m, int first, int rows)
    {
        int dim = m.Dim, stride = dim + 2;   // the change, whether there is one, and its squared length
        int rowsPerPiece = Math.Max(1, PieceFloats / stride);
        float* current = Pinned.Pointer(m.Current);
        fixed (float* baseRows = m.Base)
        fixed (float* sent = _sent)
        fixed (float* sums = _sums)
        {
            for (int start = first; start < first + rows; start += rowsPerPiece)
            {
                int count = Math.Min(rowsPerPiece, first + rows - start);
                for (int r = 0; r < count; r++)
                {
                    float* row = current + (long)(start + r) * dim, was = baseRows + (long)(start + r) * dim, change = sent + r * stride;
                    for (int j = 0; j < dim; j++) change[j] = row[j] - was[j];
                    float squared = VectorMath.Dot(change, change, dim);
                    change[dim] = squared > 0 ? 1 : 0;
                    change[dim + 1] = squared;
                }
                int floats = count * stride;
                _job.Sum(_sent.AsSpan(0, floats), _sums);
                PayloadFloats += floats;
                for (int r = 0; r < count; r++)
                {
                    float ranks = sums[r * stride + dim];
                    if (ranks == 0) continue;
                    int index = start + r;
                    float* row = current + (long)index * dim, was = baseRows + (long)index * dim;
                    float* mine = sent + r * stride, all = sums + r * stride;
                    // Sum(|change|^2) / |sum of changes|^2: 1/n when n ranks made the same change, 1 when their
                    // changes are unrelated (orthogonal) or one rank made it; see the remarks.
                    int rank = m.FromEnd ? m.Rows - 1 - index : index;
                    float sumSquared = rank < m.SettlingRows ? VectorMath.Dot(all, all, dim) : 0;
                    float weight = sumSquared == 0 ? 1 : Math.Clamp(all[dim + 1] / sumSquared, 1 / ranks, 1);
                    // A hot row takes whole merges of thousands of steps from the threads' private copies:
                    // one landing between the read and the write below would be lost, so hold its stripe.
                    if (m.Hot is { } hot && index - hot.FirstRow is var h && h >= 0 && h < hot.Rows)
                        lock (hot.LockOfRow(h)) Apply(row, was, mine, all, weight, dim);
                    else
                        Apply(row, was, mine, all, weight, dim);
                }
            }
        }
    }

    /// <summary>Adds the combined change to a row, keeping what this rank's other threads wrote meanwhile.</summary>
    private static void Apply(float* row, float* was, float* mine, float* all, float weight, int dim)
    {
        for (int j = 0; j < dim; j++)
        {
            // What other threads of this rank wrote since the change was taken; exactly 0 with
            // one thread, so an untouched row stays equal to its base and flags no change later.
            float concurrent = row[j] - was[j] - mine[j];
            was[j] += all[j] * weight;
            row[j] = was[j] + concurrent;
        }
    }

    /// <summary>
    /// Rows of <paramref name="matrix"/> that training threads keep private copies of and merge under
    /// <paramref name="hot"/>'s stripe locks: a round applies to them under the same locks.
    /// </summary>
    public void Guard(float[] matrix, SharedHotRows hot)
    {
        foreach (var m in _matrices)
            if (ReferenceEquals(m.Current, matrix)) m.Hot = hot;
    }

    /// <summary>A matrix the rounds synchronise; SettlingRows, counted from its frequent end, are combined by agreement.</summary>
    private sealed class Matrix(float[] current, int dim, bool FromEnd, long SettlingRows)
    {
        public SharedHotRows? Hot { get; set; }
        public float[] Current { get; } = current;
        public float[] Base { get; } = (float[])current.Clone();
        public int Dim { get; } = dim;
        public int Rows { get; } = current.Length / dim;
        public bool FromEnd { get; } = FromEnd;
        public long SettlingRows { get; } = SettlingRows;
    }
}
