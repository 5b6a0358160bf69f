namespace HSoftmax.Training;

/// <summary>A model file (checkpoint) that cannot be read, or whose checksum, version or contents do not hold.</summary>
public sealed class ModelFileException : InputFileException
{
    public ModelFileException(string message) : base(message) { }
    public ModelFileException(string message, Exception inner) : base(message, inner) { }
}
