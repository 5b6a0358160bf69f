using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using HSoftmax.Corpus;

namespace HSoftmax.Vectors;

/// <summary>The formats other pipelines load: NumPy's .npy, safetensors, and GloVe's headerless text.</summary>
public enum ExportFormat
{
    /// <summary>A float32 [words, dim] .npy array (NumPy format 1.0), with the words one per line in a vocabulary file beside it.</summary>
    Npy,
    /// <summary>One F32 tensor "vectors" [words, dim], the words in the metadata (key "words", one per line).</summary>
    Safetensors,
    /// <summary>"word v1 v2 ..." lines with no header, as GloVe writes them.</summary>
    Glove,
}

/// <summary>Writes word vectors for other pipelines; every file is written atomically, as <see cref="Word2VecFile.Save"/> writes.</summary>
public static class VectorExport
{
    private static readonly byte[] NpyMagic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];  // format version 1.0

    /// <summary>safetensors' readers refuse headers over 100,000,000 bytes.</summary>
    public const int MaxSafetensorsHeaderBytes = 100_000_000;

    /// <summary>Writes <paramref name="vectors"/> to <paramref name="path"/>; for <see cref="ExportFormat.Npy"/> the words go to <paramref name="vocabularyPath"/>.</summary>
    /// <exception cref="ArgumentException">Npy without a vocabulary path, or a vocabulary too large for a safetensors header.</exception>
    public static void Save(WordVectors vectors, string path, ExportFormat format, string? vocabularyPath = null, CancellationToken cancellationToken = default)
    {
        switch (format)
        {
            case ExportFormat.Npy:
                if (vocabularyPath is null) throw new ArgumentException("an .npy file holds no words: give the vocabulary file's path", nameof(vocabularyPath));
                AtomicFile.Write(path, stream => WriteNpy(vectors, stream), cancellationToken);
                AtomicFile.Write(vocabularyPath, stream =>
                {
                    using var output = new BufferedStream(stream, 1 << 16);
                    for (int i = 0; i < vectors.Count; i++)
                    {
                        output.Write(vectors.GetWordUtf8(i));
                        output.WriteByte((byte)'\n');
                    }
                }, cancellationToken);
                break;
            case ExportFormat.Safetensors:
                byte[] header = SafetensorsHeader(vectors);
                AtomicFile.Write(path, stream =>
                {
                    using var output = new BufferedStream(stream, 1 << 20);
                    Span<byte> length = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                    output.Write(length);
                    output.Write(header);
                    WriteRows(vectors, output);
                }, cancellationToken);
                break;
            case ExportFormat.Glove:
                AtomicFile.Write(path, stream =>
                {
                    using var output = new BufferedStream(stream, 1 << 20);
                    Word2VecFile.WriteText(vectors, output);
                }, cancellationToken);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "not an export format");
        }
    }

    private static void WriteNpy(WordVectors vectors, Stream stream)
    {
        using var output = new BufferedStream(stream, 1 << 20);
        // Format 1.0: magic, version, a little-endian uint16 header length, then a Python dict literal
        // padded with spaces and ended by a newline so that the data starts on a 64-byte boundary.
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({vectors.Count}, {vectors.Dim}), }}";
        int unpadded = 10 + dict.Length + 1;
        int headerLength = dict.Length + 1 + (64 - unpadded % 64) % 64;
        if (headerLength > ushort.MaxValue) throw new InvalidOperationException("an .npy header over 65,535 bytes");
        output.Write(NpyMagic);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)headerLength);
        output.Write(length);
        output.Write(Encoding.ASCII.GetBytes(dict.PadRight(headerLength - 1) + "\n"));
        WriteRows(vectors, output);
    }

    private static byte[] SafetensorsHeader(WordVectors vectors)
    {
        var words = new StringBuilder();
        for (int i = 0; i < vectors.Count; i++) words.Append(vectors.GetWord(i)).Append('\n');
        var header = new Dictionary<string, object>
        {
            ["__metadata__"] = new Dictionary<string, string> { ["format"] = "hsoftmax word vectors", ["words"] = words.ToString(0, Math.Max(0, words.Length - 1)) },
            ["vectors"] = new { dtype = "F32", shape = new long[] { vectors.Count, vectors.Dim }, data_offsets = new long[] { 0, 4L * vectors.Count * vectors.Dim } },
        };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        // Padded with spaces to a multiple of 8, so the data that follows is aligned.
        int padded = (json.Length + 7) / 8 * 8;
        if (padded > MaxSafetensorsHeaderBytes)
            throw new ArgumentException($"the vocabulary makes a safetensors header of {padded:N0} bytes, over the {MaxSafetensorsHeaderBytes:N0} its readers accept; export to npy (words in a separate file)");
        var result = new byte[padded];
        json.CopyTo(result, 0);
        result.AsSpan(json.Length).Fill((byte)' ');
        return result;
    }

    private static void WriteRows(WordVectors vectors, Stream output)
    {
        if (BitConverter.IsLittleEndian)
        {
            output.Write(MemoryMarshal.AsBytes(vectors.Data));
            return;
        }
        Span<byte> value = stackalloc byte[4];
        foreach (float x in vectors.Data)
        {
            BinaryPrimitives.WriteSingleLittleEndian(value, x);
            output.Write(value);
        }
    }
}
