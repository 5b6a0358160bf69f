namespace HSoftmax.Corpus;

/// <summary>
/// Bad input: a file that cannot be read as a corpus, a vocabulary or a vectors file.
/// The message is one line that names the file (and the line or record where known),
/// so the command-line tool can print it as it is.
/// </summary>
public sealed class CorpusException : Exception
{
    public CorpusException(string message) : base(message) { }
    public CorpusException(string message, Exception inner) : base(message, inner) { }
}
