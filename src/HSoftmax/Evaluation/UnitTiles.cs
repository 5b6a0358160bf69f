using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using HSoftmax.Vectors;

namespace HSoftmax.Evaluation;

/// <summary>
/// The first <see cref="Rows"/> rows at unit length, laid out for scoring many query vectors in one pass:
/// tiles of 16 rows, dimension-major inside a tile (element d of the tile's 16 rows is one 64-byte vector),
/// so a dot product against 16 rows is a chain of FMAs with the query element broadcast, no horizontal sums.
/// Rows of zero length (and the padding of the last tile) are NaN, so they never score above anything,
/// as in gensim, where 0/0 similarities sort last.
/// </summary>
internal sealed unsafe class UnitTiles
{
    public const int Lanes = 16;

    public UnitTiles(WordVectors vectors, int rows)
    {
        Vectors = vectors;
        Rows = rows;
        Dim = vectors.Dim;
        Tiles = (rows + Lanes - 1) / Lanes;
        long size = (long)Tiles * Lanes * Dim;
        if (size > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(rows), $"{rows} rows x {Dim} dims is too large; restrict the vocabulary");
        Data = GC.AllocateUninitializedArray<float>((int)size, pinned: true);
        var unit = new float[Dim];
        for (int r = 0; r < Tiles * Lanes; r++)
        {
            if (r < rows) CopyUnitRow(r, unit);
            else unit.AsSpan().Fill(float.NaN);
            int tile = r / Lanes, lane = r % Lanes;
            int baseIndex = tile * Lanes * Dim + lane;
            for (int d = 0; d < Dim; d++) Data[baseIndex + d * Lanes] = unit[d];
        }
    }

    public WordVectors Vectors { get; }
    public int Rows { get; }
    public int Dim { get; }
    public int Tiles { get; }
    /// <summary>Pinned, so pointers into it stay valid without <c>fixed</c>.</summary>
    public float[] Data { get; }

    /// <summary>Row <paramref name="row"/> divided by its float32 norm (as gensim does); NaN for a zero row.</summary>
    public void CopyUnitRow(int row, Span<float> target)
    {
        var v = Vectors.GetVector(row);
        double sum = 0;
        foreach (float x in v) sum += (double)x * x;
        float norm = (float)Math.Sqrt(sum);
        if (norm == 0 || !float.IsFinite(norm)) { target[..Dim].Fill(float.NaN); return; }
        for (int d = 0; d < Dim; d++) target[d] = v[d] / norm;
    }

    /// <summary>
    /// Dot products of tiles <paramref name="tile0"/> and <paramref name="tile1"/> (the same tile twice for an odd last one)
    /// with <paramref name="count"/> probes, count a multiple of 8. The probes come in groups of 8, dimension-major
    /// inside a group (element d of probe 8g + k at <c>probes[(g * Dim + d) * 8 + k]</c>, see <see cref="Interleave"/>),
    /// so the 8 broadcasts of a step read one 32-byte line. Probe p's scores go to <c>scores[32 p + lane]</c>:
    /// lanes 0-15 for tile0, 16-31 for tile1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Score(int tile0, int tile1, float* probes, int count, float* scores)
    {
        float* baseData = (float*)Unsafe.AsPointer(ref Data[0]);
        float* t0 = baseData + (long)tile0 * Lanes * Dim;
        float* t1 = baseData + (long)tile1 * Lanes * Dim;
        int dim = Dim;
        if (Vector512.IsHardwareAccelerated)
        {
            for (int g = 0; g < count; g += 8)
            {
                float* q = probes + (long)g * dim;
                var a0 = Vector512<float>.Zero; var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
                var b0 = a0; var b1 = a0; var b2 = a0; var b3 = a0; var b4 = a0; var b5 = a0; var b6 = a0; var b7 = a0;
                float* x0p = t0, x1p = t1;
                for (int d = 0; d < dim; d++, q += 8, x0p += Lanes, x1p += Lanes)
                {
                    var x0 = Vector512.Load(x0p);
                    var x1 = Vector512.Load(x1p);
                    var w = Vector512.Create(q[0]); a0 = Vector512.FusedMultiplyAdd(x0, w, a0); b0 = Vector512.FusedMultiplyAdd(x1, w, b0);
                    w = Vector512.Create(q[1]); a1 = Vector512.FusedMultiplyAdd(x0, w, a1); b1 = Vector512.FusedMultiplyAdd(x1, w, b1);
                    w = Vector512.Create(q[2]); a2 = Vector512.FusedMultiplyAdd(x0, w, a2); b2 = Vector512.FusedMultiplyAdd(x1, w, b2);
                    w = Vector512.Create(q[3]); a3 = Vector512.FusedMultiplyAdd(x0, w, a3); b3 = Vector512.FusedMultiplyAdd(x1, w, b3);
                    w = Vector512.Create(q[4]); a4 = Vector512.FusedMultiplyAdd(x0, w, a4); b4 = Vector512.FusedMultiplyAdd(x1, w, b4);
                    w = Vector512.Create(q[5]); a5 = Vector512.FusedMultiplyAdd(x0, w, a5); b5 = Vector512.FusedMultiplyAdd(x1, w, b5);
                    w = Vector512.Create(q[6]); a6 = Vector512.FusedMultiplyAdd(x0, w, a6); b6 = Vector512.FusedMultiplyAdd(x1, w, b6);
                    w = Vector512.Create(q[7]); a7 = Vector512.FusedMultiplyAdd(x0, w, a7); b7 = Vector512.FusedMultiplyAdd(x1, w, b7);
                }
                float* s = scores + g * 32;
                a0.Store(s); b0.Store(s + 16); a1.Store(s + 32); b1.Store(s + 48);
                a2.Store(s + 64); b2.Store(s + 80); a3.Store(s + 96); b3.Store(s + 112);
                a4.Store(s + 128); b4.Store(s + 144); a5.Store(s + 160); b5.Store(s + 176);
                a6.Store(s + 192); b6.Store(s + 208); a7.Store(s + 224); b7.Store(s + 240);
            }
            return;
        }
        Score256(t0, probes, count, scores);
        if (tile1 != tile0) Score256(t1, probes, count, scores + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Score256(float* t, float* probes, int count, float* scores)
    {
        int dim = Dim;
        for (int g = 0; g < count; g += 8)
        {
            for (int half = 0; half < 8; half += 4)
            {
                float* q = probes + (long)g * dim + half;
                var l0 = Vector256<float>.Zero; var l1 = l0; var l2 = l0; var l3 = l0;
                var h0 = l0; var h1 = l0; var h2 = l0; var h3 = l0;
                float* x = t;
                for (int d = 0; d < dim; d++, q += 8, x += Lanes)
                {
                    var xl = Vector256.Load(x);
                    var xh = Vector256.Load(x + 8);
                    var w = Vector256.Create(q[0]); l0 = Vector256.FusedMultiplyAdd(xl, w, l0); h0 = Vector256.FusedMultiplyAdd(xh, w, h0);
                    w = Vector256.Create(q[1]); l1 = Vector256.FusedMultiplyAdd(xl, w, l1); h1 = Vector256.FusedMultiplyAdd(xh, w, h1);
                    w = Vector256.Create(q[2]); l2 = Vector256.FusedMultiplyAdd(xl, w, l2); h2 = Vector256.FusedMultiplyAdd(xh, w, h2);
                    w = Vector256.Create(q[3]); l3 = Vector256.FusedMultiplyAdd(xl, w, l3); h3 = Vector256.FusedMultiplyAdd(xh, w, h3);
                }
                float* s = scores + (g + half) * 32;
                l0.Store(s); h0.Store(s + 8); l1.Store(s + 32); h1.Store(s + 40);
                l2.Store(s + 64); h2.Store(s + 72); l3.Store(s + 96); h3.Store(s + 104);
            }
        }
    }

    /// <summary>Lays out probes (row-major, <paramref name="count"/> x <see cref="Dim"/>, count a multiple of 8) as <see cref="Score"/> reads them.</summary>
    public float[] Interleave(float[] rowMajor, int count)
    {
        int dim = Dim;
        var result = new float[count * dim];
        for (int p = 0; p < count; p++)
        {
            int g = p / 8, k = p % 8;
            for (int d = 0; d < dim; d++) result[(g * dim + d) * 8 + k] = rowMajor[p * dim + d];
        }
        return result;
    }
}
