namespace HSoftmax.Evaluation;

/// <summary>An analogy or similarity set that cannot be read; the message names the file and line.</summary>
public sealed class EvaluationFileException : InputFileException
{
    /// <summary>Creates the exception with a one-line message that names the file.</summary>
    /// <param name="message">The message, naming the file (and line or record where known).</param>
    public EvaluationFileException(string message) : base(message) { }
    /// <summary>Creates the exception with a one-line message and the error that caused it.</summary>
    /// <param name="message">The message, naming the file (and line or record where known).</param>
    /// <param name="inner">The error that caused this one.</param>
    public EvaluationFileException(string message, Exception inner) : base(message, inner) { }
}
