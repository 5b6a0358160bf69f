namespace HSoftmax;

/// <summary>
/// A file that cannot be read as what it was given for. The message is one line that names the file (and
/// the line or record where known), so a command-line tool can print it as it is. The subclasses say which
/// kind of file: <see cref="Corpus.CorpusException"/> (corpus, vocabulary), <see cref="Vectors.VectorFileException"/>,
/// <see cref="Evaluation.EvaluationFileException"/> and <see cref="Training.ModelFileException"/>.
/// </summary>
public class InputFileException : Exception
{
    /// <summary>Creates the exception with a one-line message that names the file.</summary>
    /// <param name="message">The message, naming the file (and line or record where known).</param>
    public InputFileException(string message) : base(message) { }
    /// <summary>Creates the exception with a one-line message and the error that caused it.</summary>
    /// <param name="message">The message, naming the file (and line or record where known).</param>
    /// <param name="inner">The error that caused this one.</param>
    public InputFileException(string message, Exception inner) : base(message, inner) { }
}
