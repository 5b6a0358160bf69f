using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace HSoftmax.Corpus;

/// <summary>
/// A set of words stored as UTF-8 bytes in one arena, with an open-addressing index.
/// Ids are dense and in insertion order. No object per word: millions of words cost their bytes
/// plus 24 to 48 bytes each.
/// </summary>
/// <remarks>
/// A slot holds the word's hash beside its id, so a probe compares hashes without leaving the slot
/// array; only a matching hash reads the arena. With millions of words each of those reads is a cache
/// miss, and every token of the corpus is looked up (once to count, once per epoch to train).
/// </remarks>
internal sealed class Utf8WordTable
{
    private byte[] _arena;
    private long _arenaLength;
    private long[] _starts;   // _starts[id] .. _starts[id + 1] are the bytes of word id
    private ulong[] _slots;   // hash << 32 | id + 1, or 0 for an empty slot
    private int _mask;

    public Utf8WordTable(int capacity = 1024)
    {
        capacity = Math.Max(16, capacity);
        _arena = new byte[Math.Max(256, capacity * 8)];
        _starts = new long[capacity + 1];
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)capacity * 2);
        _slots = new ulong[slots];
        _mask = slots - 1;
    }

    public int Count { get; private set; }

    /// <summary>Total bytes of all words.</summary>
    public long ByteCount => _arenaLength;

    public ReadOnlySpan<byte> this[int id] =>
        new(_arena, (int)_starts[id], (int)(_starts[id + 1] - _starts[id]));

    public string GetString(int id) => Encoding.UTF8.GetString(this[id]);

    /// <summary>The id of <paramref name="word"/>, or -1.</summary>
    public int Find(ReadOnlySpan<byte> word) => Find(word, Hash(word));

    /// <summary>The id of <paramref name="word"/>, whose <see cref="Hash"/> is <paramref name="hash"/>, or -1.</summary>
    public int Find(ReadOnlySpan<byte> word, uint hash)
    {
        int slot = (int)hash & _mask;
        while (true)
        {
            ulong entry = _slots[slot];
            if (entry == 0) return -1;
            if (Matches(entry, hash, word)) return Id(entry);
            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>Starts loading the slot a lookup of this hash reads first, for lookups done a few tokens later.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void PrefetchSlot(uint hash)
    {
        if (Sse.IsSupported)
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), (int)hash & _mask)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Matches(ulong entry, uint hash, ReadOnlySpan<byte> word) =>
        (uint)(entry >> 32) == hash && this[Id(entry)].SequenceEqual(word);

    private static int Id(ulong entry) => (int)(uint)entry - 1;

    private static ulong Entry(uint hash, int id) => (ulong)hash << 32 | (uint)(id + 1);

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
            ulong entry = _slots[slot];
            if (entry == 0) break;
            if (Matches(entry, hash, word)) { added = false; return Id(entry); }
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
            ulong entry = _slots[slot];
            if (entry == 0) return Insert(word, hash, slot);
            if (Matches(entry, hash, word)) return Insert(word, hash, slot: -1);
            slot = (slot + 1) & _mask;
        }
    }

    private int Insert(ReadOnlySpan<byte> word, uint hash, int slot)
    {
        int id = Count;
        if (id + 1 >= _starts.Length) Array.Resize(ref _starts, checked(_starts.Length * 2));
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
        if (slot >= 0) _slots[slot] = Entry(hash, id);
        Count = id + 1;
        if (Count * 2 > _slots.Length) Rehash();
        return id;
    }

    private void Rehash()
    {
        // The slots hold each distinct word once (a repeat added by Append has none), so they move as they are.
        var old = _slots;
        _slots = new ulong[old.Length * 2];
        _mask = _slots.Length - 1;
        foreach (ulong entry in old)
        {
            if (entry == 0) continue;
            int slot = (int)(entry >> 32) & _mask;
            while (_slots[slot] != 0) slot = (slot + 1) & _mask;
            _slots[slot] = entry;
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
