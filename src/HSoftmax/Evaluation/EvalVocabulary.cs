using HSoftmax.Text;
using HSoftmax.Vectors;

namespace HSoftmax.Evaluation;

/// <summary>
/// gensim's <c>ok_vocab</c>: the first <c>restrict</c> rows, keyed by word (upper-cased as Python does when
/// case-insensitive), the first row winning when several rows share a key.
/// </summary>
internal sealed class EvalVocabulary
{
    private readonly Dictionary<string, int> _rows;

    public EvalVocabulary(WordVectors vectors, int restrict, bool caseInsensitive)
    {
        if (restrict < 1) throw new ArgumentOutOfRangeException(nameof(restrict), "restrict must be at least 1");
        Vectors = vectors;
        CaseInsensitive = caseInsensitive;
        Rows = Math.Min(restrict, vectors.Count);
        Keys = new string[Rows];
        _rows = new Dictionary<string, int>(Rows, StringComparer.Ordinal);
        for (int i = 0; i < Rows; i++)
        {
            string key = caseInsensitive ? PythonText.Upper(vectors.GetWord(i)) : vectors.GetWord(i);
            Keys[i] = key;
            _rows.TryAdd(key, i);
        }
    }

    public WordVectors Vectors { get; }
    public bool CaseInsensitive { get; }
    /// <summary>How many rows are searched: min(restrict, vectors).</summary>
    public int Rows { get; }
    /// <summary>The key of each searched row.</summary>
    public string[] Keys { get; }

    public string Key(string word) => CaseInsensitive ? PythonText.Upper(word) : word;

    /// <summary>Row for a key (already upper-cased when case-insensitive), or -1.</summary>
    public int RowOfKey(string key) => _rows.TryGetValue(key, out int i) ? i : -1;

    public int RowOf(string word) => RowOfKey(Key(word));
}
