namespace HSoftmax.Corpus;

/// <summary>A corpus or vocabulary file that cannot be read; the message names the file and line.</summary>
public sealed class CorpusException : InputFileException
{
    /// <summary>Creates the exception with a one-line message that names the file.</summary>
    /// <param name="message">The message, naming the file (and line or record where known).</param>
    public CorpusException(string message) : base(message) { }
    /// <summary>Creates the exception with a one-line message and the error that caused it.</summary>
    /// <param name="message">The message, naming the file (and line or record where known).</param>
    /// <param name="inner">The error that caused this one.</param>
    public CorpusException(string message, Exception inner) : base(message, inner) { }
}
