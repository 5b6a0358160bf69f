namespace HSoftmax.Corpus;

/// <summary>
/// A write-only stream that shows every write to an observer before passing it on: AtomicFile checks for
/// cancellation there, the model file feeds its checksum. Disposing it flushes, but does not close, the
/// stream underneath.
/// </summary>
internal sealed class ObservedWriteStream(Stream inner, ObservedWriteStream.Observer observe) : Stream
{
    public delegate void Observer(ReadOnlySpan<byte> data);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        observe(buffer);
        inner.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush() => inner.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Flush();
        base.Dispose(disposing);
    }
}
