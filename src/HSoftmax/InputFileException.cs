namespace HSoftmax;

/// <summary>
/// A file that cannot be read as what it was given for. The message is one line that names the file (and
/// the line or record where known), so a command-line tool can print it as it is. The subclasses say which
/// kind of file: <see cref="Corpus.CorpusException"/> (corpus, vocabulary), <see cref="Vectors.VectorFileException"/>,
/// <see cref="Evaluation.EvaluationFileException"/> and <see cref="Training.ModelFileException"/>.
/// </summary>
public class InputFileException : Exception
{
    public InputFileException(string message) : base(message) { }
    public InputFileException(string message, Exception inner) : base(message, inner) { }
}
