namespace HSoftmax.Vectors;

/// <summary>A word2vec vectors file (text or binary) that cannot be read; the message names the file and the line or record.</summary>
public sealed class VectorFileException : InputFileException
{
    public VectorFileException(string message) : base(message) { }
    public VectorFileException(string message, Exception inner) : base(message, inner) { }
}
