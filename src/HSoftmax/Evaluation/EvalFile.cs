using System.Text;
using HSoftmax.Corpus;

namespace HSoftmax.Evaluation;

/// <summary>Reads an evaluation set (plain or gzip) as numbered UTF-8 lines; bad bytes are a <see cref="EvaluationFileException"/> naming the file and line.</summary>
internal static class EvalFile
{
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    /// <param name="path">The file to read, plain or gzip.</param>
    /// <param name="universalNewlines">Split at '\n', '\r\n' and a lone '\r' (Python text mode, as gensim reads word pairs);
    /// otherwise at '\n' only, with a '\r' before it kept (Python binary mode, as gensim reads analogies).</param>
    public static List<(int Line, string Text)> ReadLines(string path, bool universalNewlines)
    {
        byte[] bytes;
        using (var stream = CorpusFiles.Open(path, (message, inner) => inner is null ? new EvaluationFileException(message) : new EvaluationFileException(message, inner)))
        using (var memory = new MemoryStream())
        {
            try { stream.CopyTo(memory); }
            catch (InvalidDataException e) { throw new EvaluationFileException($"{path}: corrupt gzip data: {e.Message}", e); }
            catch (IOException e) { throw new EvaluationFileException($"{path}: read error: {e.Message}", e); }
            bytes = memory.ToArray();
        }
        ReadOnlySpan<byte> rest = bytes;
        if (rest.Length >= 3 && rest[0] == 0xEF && rest[1] == 0xBB && rest[2] == 0xBF) rest = rest[3..]; // byte-order mark
        var lines = new List<(int, string)>();
        int number = 0;
        while (!rest.IsEmpty)
        {
            int end = universalNewlines ? rest.IndexOfAny((byte)'\n', (byte)'\r') : rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            int next = end < 0 ? rest.Length : end + 1;
            if (universalNewlines && end >= 0 && rest[end] == '\r' && next < rest.Length && rest[next] == '\n') next++;
            number++;
            string text;
            try { text = Strict.GetString(line); }
            catch (DecoderFallbackException) { throw new EvaluationFileException($"{path}:{number}: invalid UTF-8"); }
            lines.Add((number, text));
            rest = rest[next..];
        }
        return lines;
    }
}
