namespace HSoftmax.Corpus;

/// <summary>
/// Writes a file through a temporary file beside it and renames it into place, so a failed or
/// cancelled write never leaves a half-written file under the real name.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
            throw new CorpusException($"{path}: folder {folder} does not exist");
        string temp = $"{full}.{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e)
        {
            try { File.Delete(temp); } catch (IOException) { }
            if (e is IOException or UnauthorizedAccessException)
                throw new CorpusException($"{path}: cannot write: {e.Message}", e);
            throw;
        }
    }
}
