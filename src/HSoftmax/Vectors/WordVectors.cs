using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HSoftmax.Evaluation;
using HSoftmax.Simd;

namespace HSoftmax.Vectors;

/// <summary>
/// Trained word vectors on their own, apart from any training code (gensim's KeyedVectors): word → row
/// lookup, similarity, nearest neighbours. Rows are stored row-major in one float array, in the order
/// of the file or vocabulary (most frequent first for word2vec files).
/// </summary>
public sealed class WordVectors
{
    private readonly string[] _words;
    private readonly float[] _data;
    private readonly Dictionary<string, int> _index;
    private float[]? _unit;  // unit-length copy of the rows, made on first similarity query
    private Dictionary<string, int>? _upperIndex;

    /// <param name="words">One word per row; the first occurrence wins on lookup if a word repeats.</param>
    /// <param name="data">Rows of <paramref name="dim"/> floats, one per word; kept, not copied.</param>
    public WordVectors(string[] words, float[] data, int dim)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim));
        if ((long)words.Length * dim != data.Length)
            throw new ArgumentException($"{words.Length} words x {dim} dims needs {(long)words.Length * dim} floats, got {data.Length}");
        _words = words;
        _data = data;
        Dim = dim;
        _index = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (int i = 0; i < words.Length; i++) _index.TryAdd(words[i], i);
    }

    public int Count => _words.Length;
    public int Dim { get; }
    public IReadOnlyList<string> Words => _words;

    /// <summary>The raw rows (not normalised).</summary>
    public ReadOnlySpan<float> Data => _data;

    public string GetWord(int index) => _words[index];

    public ReadOnlySpan<float> GetVector(int index) => _data.AsSpan(index * Dim, Dim);

    public ReadOnlySpan<float> GetVector(string word)
    {
        int i = IndexOf(word);
        if (i < 0) throw new KeyNotFoundException($"'{word}' is not in the vocabulary");
        return GetVector(i);
    }

    /// <summary>
    /// Row of <paramref name="word"/>, or -1. With <paramref name="ignoreCase"/>, an exact match still wins;
    /// otherwise the first (most frequent) row whose upper-cased form matches, upper-cased as Python does
    /// (gensim's case-insensitive evaluation), e.g. "PARIS" or "paris" finds "Paris".
    /// </summary>
    public int IndexOf(string word, bool ignoreCase = false)
    {
        if (_index.TryGetValue(word, out int i)) return i;
        if (!ignoreCase) return -1;
        _upperIndex ??= BuildUpperIndex();
        return _upperIndex.TryGetValue(PythonText.Upper(word), out i) ? i : -1;
    }

    public bool Contains(string word) => _index.ContainsKey(word);

    /// <summary>Cosine similarity of two words.</summary>
    public float Similarity(string a, string b) => Similarity(IndexOfOrThrow(a), IndexOfOrThrow(b));

    public unsafe float Similarity(int a, int b)
    {
        var unit = UnitRows();
        fixed (float* p = unit)
            return VectorMath.Dot(p + (long)a * Dim, p + (long)b * Dim, Dim);
    }

    /// <summary>The <paramref name="k"/> words most similar to <paramref name="word"/> by cosine, itself excluded.</summary>
    public IReadOnlyList<(string Word, float Similarity)> Nearest(string word, int k = 10)
    {
        int i = IndexOfOrThrow(word);
        var unit = UnitRows().AsSpan(i * Dim, Dim).ToArray();
        return Nearest(unit, k, [i]);
    }

    /// <summary>The <paramref name="k"/> rows most similar to <paramref name="query"/> by cosine, skipping <paramref name="exclude"/>.</summary>
    public IReadOnlyList<(string Word, float Similarity)> Nearest(ReadOnlySpan<float> query, int k, ReadOnlySpan<int> exclude, int restrict = int.MaxValue)
    {
        if (query.Length != Dim) throw new ArgumentException($"query has {query.Length} dims, vectors have {Dim}");
        var q = query.ToArray();
        Normalise(q);
        var top = new TopK(k);
        Scan(q, Math.Min(restrict, Count), exclude, ref top);
        var result = new List<(string, float)>(top.Count);
        foreach (var (index, score) in top.Sorted()) result.Add((_words[index], score));
        return result;
    }

    /// <summary>Unit-length copy of all rows (made once, then kept).</summary>
    public float[] UnitRows()
    {
        if (_unit is not null) return _unit;
        var unit = GC.AllocateUninitializedArray<float>(_data.Length);
        _data.CopyTo(unit, 0);
        for (int r = 0; r < Count; r++) Normalise(unit.AsSpan(r * Dim, Dim));
        return _unit = unit;
    }

    internal unsafe void Scan(float[] unitQuery, int rows, ReadOnlySpan<int> exclude, ref TopK top)
    {
        var unit = UnitRows();
        fixed (float* p = unit, q = unitQuery)
        {
            for (int r = 0; r < rows; r++)
            {
                float s = VectorMath.Dot(p + (long)r * Dim, q, Dim);
                if (s > top.Threshold && !exclude.Contains(r)) top.Add(r, s);
            }
        }
    }

    public static void Normalise(Span<float> v)
    {
        double sum = 0;
        foreach (float x in v) sum += (double)x * x;
        if (sum <= 0) return;
        float scale = (float)(1 / Math.Sqrt(sum));
        for (int i = 0; i < v.Length; i++) v[i] *= scale;
    }

    private int IndexOfOrThrow(string word)
    {
        int i = IndexOf(word);
        return i >= 0 ? i : throw new KeyNotFoundException($"'{word}' is not in the vocabulary");
    }

    private Dictionary<string, int> BuildUpperIndex()
    {
        var upper = new Dictionary<string, int>(_words.Length, StringComparer.Ordinal);
        for (int i = 0; i < _words.Length; i++) upper.TryAdd(PythonText.Upper(_words[i]), i);
        return upper;
    }
}

/// <summary>Keeps the k best (index, score) pairs seen, with a min-heap: no sort of the whole vocabulary.</summary>
internal struct TopK
{
    private readonly int[] _index;
    private readonly float[] _score;

    public TopK(int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be at least 1");
        _index = new int[k];
        _score = new float[k];
        Count = 0;
        Threshold = float.NegativeInfinity;
    }

    public int Count { get; private set; }

    /// <summary>A score must beat this to enter.</summary>
    public float Threshold { get; private set; }

    public void Add(int index, float score)
    {
        if (Count < _index.Length)
        {
            int i = Count++;
            _index[i] = index; _score[i] = score;
            SiftUp(i);
            if (Count == _index.Length) Threshold = _score[0];
            return;
        }
        if (score <= _score[0]) return;
        _index[0] = index; _score[0] = score;
        SiftDown(0);
        Threshold = _score[0];
    }

    /// <summary>Best first; equal scores in row order.</summary>
    public (int Index, float Score)[] Sorted()
    {
        var items = new (int Index, float Score)[Count];
        for (int i = 0; i < Count; i++) items[i] = (_index[i], _score[i]);
        Array.Sort(items, (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Index.CompareTo(b.Index));
        return items;
    }

    private readonly bool Less(int a, int b) => _score[a] < _score[b] || (_score[a] == _score[b] && _index[a] > _index[b]);

    private void Swap(int a, int b)
    {
        (_index[a], _index[b]) = (_index[b], _index[a]);
        (_score[a], _score[b]) = (_score[b], _score[a]);
    }

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Less(i, parent)) break;
            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < Count && Less(l, m)) m = l;
            if (r < Count && Less(r, m)) m = r;
            if (m == i) return;
            Swap(i, m);
            i = m;
        }
    }
}
