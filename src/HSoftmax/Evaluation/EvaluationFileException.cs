namespace HSoftmax.Evaluation;

/// <summary>An analogy or similarity set that cannot be read; the message names the file and line.</summary>
public sealed class EvaluationFileException : InputFileException
{
    public EvaluationFileException(string message) : base(message) { }
    public EvaluationFileException(string message, Exception inner) : base(message, inner) { }
}
