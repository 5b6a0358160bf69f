using HSoftmax.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using HSoftmax.Corpus;
using HSoftmax.Simd;

namespace HSoftmax.Vectors;

/// <summary>
/// Trained word vectors on their own, apart from any training code (gensim's KeyedVectors): word → row
/// lookup, similarity, nearest neighbours. Rows are stored row-major in one float array, in the order
/// of the file or vocabulary (most frequent first for word2vec files).
/// </summary>
/// <remarks>
/// Words live as UTF-8 in one arena with an open-addressing index (no string or dictionary entry per
/// word: 3 million words cost their bytes plus about 20 bytes each); vectors trained here share the
/// vocabulary's arena. Similarity uses per-row norms (4 bytes a row), not a normalised copy of the
/// matrix; <see cref="UnitRows"/> makes that copy only when asked.
/// </remarks>
public sealed class WordVectors
{
    private readonly Utf8WordTable _words;
    private readonly float[] _data;
    private float[]? _inverseNorms;  // 1 / |row|, or 0 for a zero row; made on first similarity query
    private float[]? _unit;
    private Dictionary<string, int>? _upperIndex;

    /// <summary>Vectors for the given words, one row each, in the given order.</summary>
    /// <param name="words">One word per row; the first occurrence wins on lookup if a word repeats.</param>
    /// <param name="data">Rows of <paramref name="dim"/> floats, one per word; kept, not copied.</param>
    /// <param name="dim">Floats per row; at least 1.</param>
    /// <exception cref="ArgumentException"><paramref name="dim"/> is below 1, or <paramref name="data"/> does not hold words x dim floats.</exception>
    public WordVectors(string[] words, float[] data, int dim)
        : this(BuildTable(words), data, dim)
    {
    }

    /// <summary>Vectors whose words are an existing table's (the training vocabulary's), shared, not copied.</summary>
    internal WordVectors(Utf8WordTable words, float[] data, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        if ((long)words.Count * dim != data.Length)
            throw new ArgumentException($"{words.Count} words x {dim} dims needs {(long)words.Count * dim} floats, got {data.Length}");
        _words = words;
        _data = data;
        Dim = dim;
        Words = new WordList(words);
    }

    /// <summary>The number of rows (words).</summary>
    public int Count => _words.Count;
    /// <summary>Floats per row: the vector dimension.</summary>
    public int Dim { get; }

    /// <summary>The words in row order (each access decodes one word).</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>The raw rows (not normalised).</summary>
    public ReadOnlySpan<float> Data => _data;

    /// <summary>The word of a row.</summary>
    public string GetWord(int index) => _words.GetString(index);

    /// <summary>The word of a row as UTF-8, without allocating.</summary>
    public ReadOnlySpan<byte> GetWordUtf8(int index) => _words[index];

    /// <summary>The raw (not normalised) vector of a row.</summary>
    public ReadOnlySpan<float> GetVector(int index) => _data.AsSpan(index * Dim, Dim);

    /// <summary>The raw (not normalised) vector of a word, matched exactly.</summary>
    /// <exception cref="KeyNotFoundException">The word is not in the vocabulary.</exception>
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
        int i = _words.Find(word);
        if (i >= 0 || !ignoreCase) return i;
        _upperIndex ??= BuildUpperIndex();
        return _upperIndex.TryGetValue(PythonText.Upper(word), out i) ? i : -1;
    }

    /// <summary>Whether the word has a row, matched exactly.</summary>
    public bool Contains(string word) => _words.Find(word) >= 0;

    /// <summary>Cosine similarity of two words.</summary>
    /// <exception cref="KeyNotFoundException">A word is not in the vocabulary.</exception>
    public float Similarity(string a, string b) => Similarity(IndexOfOrThrow(a), IndexOfOrThrow(b));

    /// <summary>Cosine similarity of two rows; 0 when either is a zero vector.</summary>
    public unsafe float Similarity(int a, int b)
    {
        var inverse = InverseNorms();
        fixed (float* p = _data)
            return VectorMath.Dot(p + (long)a * Dim, p + (long)b * Dim, Dim) * inverse[a] * inverse[b];
    }

    /// <summary>The <paramref name="k"/> words most similar to <paramref name="word"/> by cosine, itself excluded.</summary>
    public IReadOnlyList<(string Word, float Similarity)> Nearest(string word, int k = 10)
    {
        int i = IndexOfOrThrow(word);
        return Nearest(GetVector(i), k, [i]);
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
        foreach (var (index, score) in top.Sorted()) result.Add((GetWord(index), score));
        return result;
    }

    /// <summary>
    /// gensim's <c>most_similar(positive, negative, topn, restrict_vocab)</c>: the words nearest by cosine to
    /// the mean of the unit vectors of <paramref name="positive"/> (weight 1) and <paramref name="negative"/>
    /// (weight -1), the given words left out. Words are exact keys, as in gensim.
    /// </summary>
    /// <param name="positive">Words the result should be like.</param>
    /// <param name="negative">Words the result should be unlike; null for none.</param>
    /// <param name="topn">How many words to return, at most.</param>
    /// <param name="restrict">Search only the first N rows (the most frequent words in a word2vec file).</param>
    /// <exception cref="KeyNotFoundException">A word is not in the vocabulary.</exception>
    /// <exception cref="ArgumentException">No word was given.</exception>
    public IReadOnlyList<(string Word, float Similarity)> MostSimilar(IReadOnlyList<string> positive, IReadOnlyList<string>? negative = null, int topn = 10,
        int restrict = int.MaxValue)
    {
        negative ??= [];
        if (positive.Count + negative.Count == 0) throw new ArgumentException("give at least one positive or negative word");
        var mean = new float[Dim];
        var given = new int[positive.Count + negative.Count];
        int n = 0;
        foreach (var (words, weight) in new[] { (positive, 1f), (negative, -1f) })
        {
            foreach (string word in words)
            {
                int i = given[n++] = IndexOfOrThrow(word);
                AddUnit(i, weight, mean);
            }
        }
        for (int d = 0; d < Dim; d++) mean[d] /= n;
        return Nearest(mean, topn, given, restrict);
    }

    /// <summary>
    /// gensim's <c>doesnt_match</c>: of the words in the vocabulary among <paramref name="words"/> (the others
    /// are left out, as gensim does), the one least similar to the mean of their unit vectors.
    /// </summary>
    /// <exception cref="ArgumentException">None of the words is in the vocabulary.</exception>
    public string DoesntMatch(IEnumerable<string> words)
    {
        var used = words.Select(w => (Word: w, Index: IndexOf(w))).Where(w => w.Index >= 0).ToList();
        if (used.Count == 0) throw new ArgumentException("none of the words is in the vocabulary");
        var mean = new float[Dim];
        foreach (var (_, index) in used) AddUnit(index, 1f, mean);
        for (int d = 0; d < Dim; d++) mean[d] /= used.Count;
        Normalise(mean);
        var unit = new float[Dim];
        string odd = used[0].Word;
        float lowest = float.PositiveInfinity;
        foreach (var (word, index) in used)
        {
            unit.AsSpan().Clear();
            AddUnit(index, 1f, unit);
            float dot = 0;
            for (int d = 0; d < Dim; d++) dot += unit[d] * mean[d];
            if (dot < lowest || (dot == lowest && string.CompareOrdinal(word, odd) < 0)) { lowest = dot; odd = word; }  // ties: gensim sorts (score, word)
        }
        return odd;
    }

    /// <summary>Adds row <paramref name="index"/>, scaled to unit length and by <paramref name="weight"/>, into <paramref name="sum"/>.</summary>
    private void AddUnit(int index, float weight, Span<float> sum)
    {
        var row = GetVector(index);
        float scale = weight * InverseNorms()[index];
        for (int d = 0; d < Dim; d++) sum[d] += row[d] * scale;
    }

    /// <summary>A unit-length copy of all rows, made on request and then kept (it doubles the memory).</summary>
    public float[] UnitRows()
    {
        if (_unit is not null) return _unit;
        var unit = GC.AllocateUninitializedArray<float>(_data.Length);
        _data.CopyTo(unit, 0);
        for (int r = 0; r < Count; r++) Normalise(unit.AsSpan(r * Dim, Dim));
        return _unit = unit;
    }

    /// <summary>Cosine of each of the first <paramref name="rows"/> rows with a unit query, into the heap.</summary>
    internal unsafe void Scan(float[] unitQuery, int rows, ReadOnlySpan<int> exclude, ref TopK top)
    {
        var inverse = InverseNorms();
        fixed (float* p = _data, q = unitQuery)
        {
            for (int r = 0; r < rows; r++)
            {
                float s = VectorMath.Dot(p + (long)r * Dim, q, Dim) * inverse[r];
                if (s > top.Threshold && !exclude.Contains(r)) top.Add(r, s);
            }
        }
    }

    private float[] InverseNorms()
    {
        if (_inverseNorms is not null) return _inverseNorms;
        var inverse = new float[Count];
        for (int r = 0; r < Count; r++)
        {
            double sum = 0;
            foreach (float x in GetVector(r)) sum += (double)x * x;
            inverse[r] = sum > 0 ? (float)(1 / Math.Sqrt(sum)) : 0;
        }
        return _inverseNorms = inverse;
    }

    /// <summary>Scales <paramref name="v"/> to unit length in place; a zero vector is left as it is.</summary>
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
        var upper = new Dictionary<string, int>(Count, StringComparer.Ordinal);
        for (int i = 0; i < Count; i++) upper.TryAdd(PythonText.Upper(GetWord(i)), i);
        return upper;
    }

    private static Utf8WordTable BuildTable(string[] words)
    {
        var table = new Utf8WordTable(words.Length);
        foreach (string w in words) table.Append(Encoding.UTF8.GetBytes(w));
        return table;
    }

    /// <summary>The words as a list of strings, decoded on access.</summary>
    private sealed class WordList(Utf8WordTable table) : IReadOnlyList<string>
    {
        public string this[int index] => (uint)index < (uint)table.Count ? table.GetString(index) : throw new ArgumentOutOfRangeException(nameof(index));
        public int Count => table.Count;

        public IEnumerator<string> GetEnumerator()
        {
            for (int i = 0; i < table.Count; i++) yield return table.GetString(i);
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
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
