namespace HSoftmax.Training;

/// <summary>A model file (checkpoint) that cannot be read, or whose checksum, version or contents do not hold.</summary>
public sealed class ModelFileException : InputFileException
{
    /// <summary>Creates the exception with a one-line message that names the file.</summary>
    /// <param name="message">The message, naming the file (and line or record where known).</param>
    public ModelFileException(string message) : base(message) { }
    /// <summary>Creates the exception with a one-line message and the error that caused it.</summary>
    /// <param name="message">The message, naming the file (and line or record where known).</param>
    /// <param name="inner">The error that caused this one.</param>
    public ModelFileException(string message, Exception inner) : base(message, inner) { }
}
