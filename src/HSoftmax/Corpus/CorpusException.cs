namespace HSoftmax.Corpus;

/// <summary>A corpus or vocabulary file that cannot be read; the message names the file and line.</summary>
public sealed class CorpusException : InputFileException
{
    public CorpusException(string message) : base(message) { }
    public CorpusException(string message, Exception inner) : base(message, inner) { }
}
