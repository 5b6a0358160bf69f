namespace HSoftmax.Corpus;

/// <summary>
/// Copies the inputs that can be read only once (standard input, a pipe, a FIFO, a device) to temporary
/// files, since training reads the corpus once to count it and once per epoch. Regular files are used as
/// they are. The copies are deleted on <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// The copy goes to the system's temporary folder (TMPDIR), byte for byte, so gzip still works. This is
/// what fastText and the word2vec tool would need too: both read their input file once per epoch.
/// </remarks>
public sealed class CorpusSpool : IDisposable
{
    private readonly List<string> _temporary = [];

    private CorpusSpool(IReadOnlyList<string> files) => Files = files;

    /// <summary>The files to read: the inputs, with each once-only input replaced by its copy.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The once-only inputs copied, with their copies' sizes.</summary>
    public IReadOnlyList<(string Input, long Bytes)> Copied { get; private set; } = [];

    /// <summary>Copies each once-only input among <paramref name="files"/> to a temporary file.</summary>
    /// <param name="files">The inputs, as <see cref="CorpusFiles.Expand"/> returns them.</param>
    /// <param name="standardInput">Opens standard input; tests give their own stream.</param>
    /// <param name="cancellationToken">Stops a copy in progress; the copies made so far are deleted.</param>
    /// <exception cref="CorpusException">An input cannot be opened, or its copy cannot be written.</exception>
    public static CorpusSpool Create(IReadOnlyList<string> files, Func<Stream>? standardInput = null, CancellationToken cancellationToken = default)
    {
        var result = new List<string>(files.Count);
        var copied = new List<(string, long)>();
        var spool = new CorpusSpool(result);
        try
        {
            foreach (string file in files)
            {
                bool once = file == CorpusFiles.StandardInput || FileStat.Kind(file) == FileKind.Special;
                if (!once) { result.Add(file); continue; }
                string copy = Path.Combine(Path.GetTempPath(), $"hsoftmax-input-{Environment.ProcessId}-{copied.Count}.txt");
                spool._temporary.Add(copy);
                long bytes = Copy(file, copy, standardInput, cancellationToken);
                result.Add(copy);
                copied.Add((file, bytes));
            }
        }
        catch
        {
            spool.Dispose();
            throw;
        }
        spool.Copied = copied;
        return spool;
    }

    private static long Copy(string file, string copy, Func<Stream>? standardInput, CancellationToken cancellationToken)
    {
        string name = file == CorpusFiles.StandardInput ? "standard input" : file;
        Stream source;
        try
        {
            source = file == CorpusFiles.StandardInput
                ? (standardInput ?? Console.OpenStandardInput)()
                : new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException($"{name}: cannot open: {e.Message}", e);
        }
        using (source)
        {
            try
            {
                using var target = new FileStream(copy, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                var buffer = new byte[1 << 20];
                int n;
                while ((n = source.Read(buffer)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    target.Write(buffer, 0, n);
                }
                return target.Length;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CorpusException($"{name}: cannot copy it to {copy} (training reads the corpus more than once; set TMPDIR to a folder with room): {e.Message}", e);
            }
        }
    }

    /// <summary>Deletes the temporary copies; a copy that cannot be deleted is left behind.</summary>
    public void Dispose()
    {
        foreach (string file in _temporary)
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _temporary.Clear();
    }
}
