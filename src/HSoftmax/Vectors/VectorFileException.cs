namespace HSoftmax.Vectors;

/// <summary>A word2vec vectors file (text or binary) that cannot be read; the message names the file and the line or record.</summary>
public sealed class VectorFileException : InputFileException
{
    /// <summary>Creates the exception with a one-line message that names the file.</summary>
    /// <param name="message">The message, naming the file (and line or record where known).</param>
    public VectorFileException(string message) : base(message) { }
    /// <summary>Creates the exception with a one-line message and the error that caused it.</summary>
    /// <param name="message">The message, naming the file (and line or record where known).</param>
    /// <param name="inner">The error that caused this one.</param>
    public VectorFileException(string message, Exception inner) : base(message, inner) { }
}
