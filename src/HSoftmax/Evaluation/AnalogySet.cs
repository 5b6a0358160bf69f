using HSoftmax.Text;
using HSoftmax.Corpus;

namespace HSoftmax.Evaluation;

/// <summary>One question "a is to b as c is to <see cref="Expected"/>", with its line in the file.</summary>
/// <param name="A">The first word, a.</param>
/// <param name="B">The second word, b.</param>
/// <param name="C">The third word, c.</param>
/// <param name="Expected">The expected answer.</param>
/// <param name="Line">The question's line in the file, counting from 1.</param>
public sealed record AnalogyQuestion(string A, string B, string C, string Expected, int Line);

/// <summary>A named group of questions (": capital-world", ": gram3-comparative", ...).</summary>
/// <param name="Name">The section's name, without the leading ": ".</param>
/// <param name="Questions">The section's questions, in file order.</param>
public sealed record AnalogySection(string Name, IReadOnlyList<AnalogyQuestion> Questions)
{
    /// <summary>Sections whose name starts with "gram" are syntactic (the Google set's convention); the rest semantic.</summary>
    public bool IsSyntactic => IsSyntacticName(Name);

    /// <summary>Whether a section of this name is syntactic: the name starts with "gram", any case.</summary>
    public static bool IsSyntacticName(string name) => name.StartsWith("gram", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// An analogy test set: the questions-words layout of word2vec and gensim (": section" lines, then
/// "a b c d" lines), or a CSV with columns type, word1, word2, word3, target (the MSR set as vecto ships it),
/// whose types become sections in order of first appearance.
/// </summary>
/// <remarks>
/// Parsing follows gensim's <c>evaluate_word_analogies</c>: a header is a line starting with ": " (the name is
/// the rest with leading ':' and ' ' removed, then stripped); a question line is split on any whitespace,
/// CR included, and one that does not have exactly four words is skipped (counted in <see cref="InvalidLines"/>,
/// not in any total). Unlike gensim, blank lines are ignored anywhere and a UTF-8 byte-order mark is allowed.
/// </remarks>
public sealed class AnalogySet
{
    /// <summary>A set made of the given sections.</summary>
    /// <param name="name">The set's name.</param>
    /// <param name="sections">The sections, in order.</param>
    /// <param name="invalidLines">Lines skipped when parsing, for the report.</param>
    public AnalogySet(string name, IReadOnlyList<AnalogySection> sections, int invalidLines = 0)
    {
        Name = name;
        Sections = sections;
        InvalidLines = invalidLines;
    }

    /// <summary>The file name (no folder).</summary>
    public string Name { get; }
    /// <summary>The sections, in file order.</summary>
    public IReadOnlyList<AnalogySection> Sections { get; }
    /// <summary>Non-blank lines that were neither a header nor a four-word question.</summary>
    public int InvalidLines { get; }
    /// <summary>The number of questions in all sections.</summary>
    public int QuestionCount => Sections.Sum(s => s.Questions.Count);

    /// <summary>Reads a questions-words file, or a CSV when the name ends in ".csv" (or ".csv.gz").</summary>
    /// <exception cref="EvaluationFileException">The file cannot be read, is malformed, or holds no questions.</exception>
    public static AnalogySet Load(string path)
    {
        string name = Path.GetFileName(path);
        bool csv = name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase);
        var lines = EvalFile.ReadLines(path, universalNewlines: csv);
        var set = csv ? ParseCsv(name, path, lines) : ParseQuestionsWords(name, path, lines);
        if (set.QuestionCount == 0)
            throw new EvaluationFileException(csv
                ? $"{path}: no questions found (expected a header with type,word1,word2,word3,target, then rows)"
                : $"{path}: no questions found (expected ': section' lines, then 'a b c d' lines)");
        return set;
    }

    /// <summary>Parses questions-words text held in memory.</summary>
    public static AnalogySet Parse(string name, string text)
    {
        var lines = new List<(int, string)>();
        int n = 0;
        foreach (string line in text.Split('\n')) lines.Add((++n, line));
        return ParseQuestionsWords(name, name, lines);
    }

    private static AnalogySet ParseQuestionsWords(string name, string path, List<(int Line, string Text)> lines)
    {
        var sections = new List<AnalogySection>();
        string? section = null;
        List<AnalogyQuestion>? questions = null;
        int invalid = 0;
        foreach (var (number, text) in lines)
        {
            if (text.StartsWith(": ", StringComparison.Ordinal))
            {
                if (section is not null) sections.Add(new AnalogySection(section, questions!));
                section = PythonText.Strip(text.AsSpan().TrimStart(": ")).ToString();
                questions = new List<AnalogyQuestion>();
                continue;
            }
            if (PythonText.Strip(text).IsEmpty) continue;
            if (section is null)
                throw new EvaluationFileException($"{path}:{number}: question before any ': section' line");
            var words = PythonText.Split(text);
            if (words.Count != 4) { invalid++; continue; }
            questions!.Add(new AnalogyQuestion(words[0], words[1], words[2], words[3], number));
        }
        if (section is not null) sections.Add(new AnalogySection(section, questions!));
        return new AnalogySet(name, sections, invalid);
    }

    private static AnalogySet ParseCsv(string name, string path, List<(int Line, string Text)> lines)
    {
        int header = lines.FindIndex(l => !PythonText.Strip(l.Text).IsEmpty);
        if (header < 0) return new AnalogySet(name, [], 0);
        var columns = lines[header].Text.Split(',').Select(c => PythonText.Strip(c).ToString().ToLowerInvariant()).ToList();
        int Column(string column)
        {
            int i = columns.IndexOf(column);
            return i >= 0 ? i : throw new EvaluationFileException($"{path}:{lines[header].Line}: CSV header has no '{column}' column (need type, word1, word2, word3, target)");
        }
        int type = Column("type"), w1 = Column("word1"), w2 = Column("word2"), w3 = Column("word3"), target = Column("target");
        int needed = new[] { type, w1, w2, w3, target }.Max() + 1;
        var order = new List<string>();
        var byType = new Dictionary<string, List<AnalogyQuestion>>(StringComparer.Ordinal);
        int invalid = 0;
        foreach (var (number, text) in lines.Skip(header + 1))
        {
            if (PythonText.Strip(text).IsEmpty) continue;
            string[] fields = text.Split(',');
            string F(int i) => PythonText.Strip(fields[i]).ToString();
            if (fields.Length < needed || F(w1).Length == 0 || F(w2).Length == 0 || F(w3).Length == 0 || F(target).Length == 0)
            {
                invalid++;
                continue;
            }
            string kind = F(type);
            if (!byType.TryGetValue(kind, out var list))
            {
                byType[kind] = list = new List<AnalogyQuestion>();
                order.Add(kind);
            }
            list.Add(new AnalogyQuestion(F(w1), F(w2), F(w3), F(target), number));
        }
        return new AnalogySet(name, order.Select(k => new AnalogySection(k, byType[k])).ToList(), invalid);
    }
}
