using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace HSoftmax.Corpus;

/// <summary>
/// A set of words stored as UTF-8 bytes in one arena, with an open-addressing index.
/// Ids are dense and in insertion order. No object per word: millions of words cost their bytes
/// plus about 16 bytes each.
/// </summary>
internal sealed class Utf8WordTable
{
    private byte[] _arena;
    private long _arenaLength;
    private long[] _starts;   // _starts[id] .. _starts[id + 1] are the bytes of word id
    private uint[] _hashes;
    private int[] _slots;     // id + 1, or 0 for an empty slot
    private int _mask;

    public Utf8WordTable(int capacity = 1024)
    {
        capacity = Math.Max(16, capacity);
        _arena = new byte[Math.Max(256, capacity * 8)];
        _starts = new long[capacity + 1];
        _hashes = new uint[capacity];
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)capacity * 2);
        _slots = new int[slots];
        _mask = slots - 1;
    }

    public int Count { get; private set; }

    /// <summary>Total bytes of all words.</summary>
    public long ByteCount => _arenaLength;

    public ReadOnlySpan<byte> this[int id] =>
        new(_arena, (int)_starts[id], (int)(_starts[id + 1] - _starts[id]));

    public string GetString(int id) => Encoding.UTF8.GetString(this[id]);

    /// <summary>The id of <paramref name="word"/>, or -1.</summary>
    public int Find(ReadOnlySpan<byte> word)
    {
        uint hash = Hash(word);
        int slot = (int)hash & _mask;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0) return -1;
            int id = entry - 1;
            if (_hashes[id] == hash && this[id].SequenceEqual(word)) return id;
            slot = (slot + 1) & _mask;
        }
    }

    public int Find(string word)
    {
        Span<byte> stack = stackalloc byte[256];
        int max = Encoding.UTF8.GetMaxByteCount(word.Length);
        byte[]? rented = max > stack.Length ? new byte[max] : null;
        Span<byte> bytes = rented ?? stack;
        int n = Encoding.UTF8.GetBytes(word, bytes);
        return Find(bytes[..n]);
    }

    /// <summary>The id of <paramref name="word"/>, adding it if new.</summary>
    public int GetOrAdd(ReadOnlySpan<byte> word, out bool added)
    {
        uint hash = Hash(word);
        int slot = (int)hash & _mask;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0) break;
            int id = entry - 1;
            if (_hashes[id] == hash && this[id].SequenceEqual(word)) { added = false; return id; }
            slot = (slot + 1) & _mask;
        }
        added = true;
        return Insert(word, hash, slot);
    }

    /// <summary>
    /// Adds <paramref name="word"/> as a new entry even if it is already present (a vectors file may
    /// repeat a word); lookups keep finding the first entry. Returns the new id.
    /// </summary>
    public int Append(ReadOnlySpan<byte> word)
    {
        uint hash = Hash(word);
        int slot = (int)hash & _mask;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0) return Insert(word, hash, slot);
            int id = entry - 1;
            if (_hashes[id] == hash && this[id].SequenceEqual(word)) return Insert(word, hash, slot: -1);
            slot = (slot + 1) & _mask;
        }
    }

    private int Insert(ReadOnlySpan<byte> word, uint hash, int slot)
    {
        int id = Count;
        if (id + 1 >= _starts.Length)
        {
            int grown = checked(_starts.Length * 2);
            Array.Resize(ref _starts, grown);
            Array.Resize(ref _hashes, grown);
        }
        if (_arenaLength + word.Length > _arena.Length)
        {
            long size = Math.Max(_arena.Length * 2L, _arenaLength + word.Length);
            if (size > Array.MaxLength)
                throw new InvalidOperationException("vocabulary words exceed 2 GB of text");
            Array.Resize(ref _arena, (int)size);
        }
        word.CopyTo(_arena.AsSpan((int)_arenaLength));
        _arenaLength += word.Length;
        _starts[id + 1] = _arenaLength;
        _hashes[id] = hash;
        if (slot >= 0) _slots[slot] = id + 1;
        Count = id + 1;
        if (Count * 2 > _slots.Length) Rehash();
        return id;
    }

    private void Rehash()
    {
        int size = _slots.Length * 2;
        _slots = new int[size];
        _mask = size - 1;
        for (int id = 0; id < Count; id++)
        {
            int slot = (int)_hashes[id] & _mask;
            bool repeat = false;
            while (_slots[slot] != 0)
            {
                int other = _slots[slot] - 1;
                if (_hashes[other] == _hashes[id] && this[other].SequenceEqual(this[id])) { repeat = true; break; }  // keep the first
                slot = (slot + 1) & _mask;
            }
            if (!repeat) _slots[slot] = id + 1;
        }
    }

    /// <summary>A fast 32-bit hash of a byte string, 8 bytes a step (tokens are short).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Hash(ReadOnlySpan<byte> s)
    {
        ulong h = 0x9E3779B97F4A7C15UL ^ (ulong)s.Length;
        while (s.Length >= 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(s)) * 0xBF58476D1CE4E5B9UL;
            h ^= h >> 29;
            s = s[8..];
        }
        ulong tail = 0;
        for (int i = 0; i < s.Length; i++) tail |= (ulong)s[i] << (8 * i);
        h = (h ^ tail) * 0x94D049BB133111EBUL;
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9UL;
        return (uint)(h >> 32);
    }
}
