using System.Runtime.InteropServices;

namespace HSoftmax.Corpus;

/// <summary>
/// Decompresses a gzip file of one or more members (<c>cat a.gz b.gz</c>, pigz, bgzip), as <c>gzip -dc</c>
/// reads it, and fails on a truncated or corrupt one.
/// </summary>
/// <remarks>
/// .NET's GZipStream reads concatenated members but ends quietly when the data stops early, so a
/// truncated corpus would train on part of itself without a word. Checking the decompressed size
/// against the file's last four bytes catches that for one member, but rejects every valid
/// multi-member file. This reader drives the zlib that .NET itself ships (zlib-ng, in
/// libSystem.IO.Compression.Native, so the speed is GZipStream's) one member at a time: zlib checks
/// each member's CRC-32 and length, and the reader knows where each member ends, so a file that stops
/// inside a member is an error. Data decompressed before an error is returned first, so the error
/// comes with the line where the text stopped.
/// </remarks>
internal sealed unsafe partial class GzipReader : ForwardReadStream
{
    private const int InputSize = 1 << 16;
    private const int GzipWindowBits = 15 + 16;  // gzip wrapper only, 32 KB window
    private const int NoFlush = 0, Ok = 0, StreamEnd = 1, BufError = -5;

    private readonly Stream _file;
    private readonly byte* _input;
    private ZStream* _z;
    private bool _inMember;      // inside a member: the file must not end here
    private bool _fileEnded;
    private long _compressedRead;
    private InvalidDataException? _pending;  // an error found after data that is returned first

    public GzipReader(Stream file)
    {
        _file = file;
        _input = (byte*)NativeMemory.Alloc(InputSize);
        _z = (ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZStream));
        Check(InflateInit2(_z, GzipWindowBits), "init");
    }

    public override int Read(Span<byte> buffer)
    {
        if (_pending is not null) throw _pending;
        if (buffer.IsEmpty) return 0;
        fixed (byte* output = buffer)
        {
            _z->NextOut = output;
            _z->AvailOut = (uint)buffer.Length;
            while (_z->AvailOut > 0)
            {
                if (_z->AvailIn == 0 && !Refill()) break;
                if (!_inMember)
                {
                    if (!StartsMember()) break;
                    _inMember = true;
                }
                int rc = Inflate(_z, NoFlush);
                if (rc == StreamEnd)
                {
                    _inMember = false;  // CRC-32 and length checked by zlib; another member may follow
                    Check(InflateEnd(_z), "end");
                    Check(InflateInit2(_z, GzipWindowBits), "init");
                }
                else if (rc == BufError && _z->AvailIn == 0) continue;  // needs more input
                else if (rc != Ok)
                {
                    Fail($"corrupt gzip data at compressed byte {_compressedRead - _z->AvailIn:N0}: {Message(rc)}");
                    break;
                }
            }
            int produced = buffer.Length - (int)_z->AvailOut;
            if (_pending is null && produced < buffer.Length && _fileEnded && _z->AvailIn == 0 && _inMember)
                Fail($"truncated gzip data: the file ends inside a member after {_compressedRead:N0} compressed bytes");
            if (produced == 0 && _pending is not null) throw _pending;
            return produced;
        }
    }

    /// <summary>After a member: the next bytes must start another one (1f 8b), or the file must end.</summary>
    private bool StartsMember()
    {
        if (_z->AvailIn < 2 && !_fileEnded)
        {
            // The two magic bytes may straddle a refill: keep the first and read more behind it.
            byte first = *_z->NextIn;
            _input[0] = first;
            int n = _file.Read(new Span<byte>(_input + 1, InputSize - 1));
            _compressedRead += n;
            if (n == 0) _fileEnded = true;
            _z->NextIn = _input;
            _z->AvailIn = (uint)(1 + n);
        }
        if (_z->AvailIn >= 2 && _z->NextIn[0] == 0x1f && _z->NextIn[1] == 0x8b) return true;
        Fail($"not gzip data at compressed byte {_compressedRead - _z->AvailIn:N0} (after the end of a member)");
        return false;
    }

    private bool Refill()
    {
        if (_fileEnded) return false;
        int n = _file.Read(new Span<byte>(_input, InputSize));
        _compressedRead += n;
        if (n == 0)
        {
            _fileEnded = true;
            return false;
        }
        _z->NextIn = _input;
        _z->AvailIn = (uint)n;
        return true;
    }

    private void Fail(string message) => _pending ??= new InvalidDataException(message);

    private string Message(int rc) => _z->Msg != null ? Marshal.PtrToStringUTF8((IntPtr)_z->Msg) ?? $"zlib error {rc}" : $"zlib error {rc}";

    private static void Check(int rc, string what)
    {
        if (rc != Ok) throw new InvalidDataException($"zlib {what} failed ({rc})");
    }

    protected override void Dispose(bool disposing)
    {
        if (_z != null)
        {
            _ = InflateEnd(_z);  // only fails for a stream already ended or never started: nothing left to free

            NativeMemory.Free(_z);
            NativeMemory.Free(_input);
            _z = null;
        }
        if (disposing) _file.Dispose();
        base.Dispose(disposing);
    }

    ~GzipReader() => Dispose(false);

    /// <summary>The runtime's PAL_ZStream (dotnet/runtime src/native/libs/System.IO.Compression.Native/pal_zlib.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ZStream
    {
        public byte* NextIn;
        public byte* NextOut;
        public sbyte* Msg;
        public void* InternalState;
        public uint AvailIn;
        public uint AvailOut;
    }

    [LibraryImport("libSystem.IO.Compression.Native", EntryPoint = "CompressionNative_InflateInit2_")]
    private static partial int InflateInit2(ZStream* stream, int windowBits);

    [LibraryImport("libSystem.IO.Compression.Native", EntryPoint = "CompressionNative_Inflate")]
    private static partial int Inflate(ZStream* stream, int flush);

    [LibraryImport("libSystem.IO.Compression.Native", EntryPoint = "CompressionNative_InflateEnd")]
    private static partial int InflateEnd(ZStream* stream);
}
