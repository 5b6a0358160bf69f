using System.IO.Compression;

namespace HSoftmax.Corpus;

/// <summary>Resolves corpus paths and opens them, plain or gzip.</summary>
public static class CorpusFiles
{
    /// <summary>
    /// Expands files and folders into a sorted list of files (a folder contributes every file below it,
    /// in ordinal path order, so two runs see the same order).
    /// </summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (File.Exists(path))
                files.Add(path);
            else if (Directory.Exists(path))
            {
                var inFolder = Directory.GetFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .OrderBy(f => f, StringComparer.Ordinal)
                    .ToList();
                if (inFolder.Count == 0)
                    throw new CorpusException($"{path}: folder holds no files");
                files.AddRange(inFolder);
            }
            else
                throw new CorpusException($"{path}: no such file or folder");
        }
        if (files.Count == 0)
            throw new CorpusException("no input files given");
        return files;
    }

    /// <summary>
    /// Opens a file for reading; gzip is recognised by its magic bytes (1f 8b), not by its name.
    /// </summary>
    public static Stream Open(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException($"{path}: cannot open: {e.Message}", e);
        }
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            return new CheckedGZipStream(file);
        return file;
    }

    /// <summary>
    /// GZipStream that notices truncation: .NET's inflater ends quietly when the data stops early, so at
    /// the end the decompressed size is checked against the gzip trailer (ISIZE, the size mod 2^32).
    /// </summary>
    /// <remarks>For a multi-member file (concatenated gzip) the trailer is the last member's, so such
    /// files are only accepted when they hold one member; recompress them with plain gzip.</remarks>
    private sealed class CheckedGZipStream : Stream
    {
        private readonly GZipStream _inner;
        private readonly uint _trailerSize;
        private readonly bool _tooShort;
        private long _total;
        private bool _verified;

        public CheckedGZipStream(FileStream file)
        {
            long length = file.Length;
            _tooShort = length < 18;  // 10-byte header + 8-byte trailer at the least
            if (!_tooShort)
            {
                Span<byte> trailer = stackalloc byte[4];
                file.Position = length - 4;
                file.ReadExactly(trailer);
                _trailerSize = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer);
                file.Position = 0;
            }
            _inner = new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
        }

        public override int Read(Span<byte> buffer)
        {
            int n = _inner.Read(buffer);
            _total += n;
            if (n == 0 && buffer.Length > 0) Verify();
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        private void Verify()
        {
            if (_verified) return;
            _verified = true;
            if (_tooShort || (uint)_total != _trailerSize)
                throw new InvalidDataException(
                    $"truncated or corrupt gzip stream (decompressed {_total:N0} bytes, the gzip trailer says {_trailerSize:N0} mod 2^32)");
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _total; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
