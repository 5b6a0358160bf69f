using System.Runtime.CompilerServices;

namespace HSoftmax.Training;

/// <summary>The sigmoid table and the two loss tables, as the objectives read them.</summary>
internal readonly unsafe struct SigmoidTables(float* sigmoid, float* lossPositive, float* lossNegative)
{
    public readonly float* Sigmoid = sigmoid;
    public readonly float* LossPositive = lossPositive;
    public readonly float* LossNegative = lossNegative;
}

/// <summary>
/// word2vec's sigmoid table: 1000 entries over [-6, 6]. Beside it, tables of the loss of each label,
/// so the per-epoch loss costs one extra load per node instead of a log.
/// </summary>
internal static class Sigmoid
{
    public const float MaxExp = 6f;
    public const int TableSize = 1000;
    private const float Scale = TableSize / MaxExp / 2;

    public static readonly float[] Table = Build(x => 1 / (1 + Math.Exp(-x)));
    /// <summary>-log sigmoid(x): the loss when the label is 1.</summary>
    public static readonly float[] LossPositive = Build(x => Math.Log(1 + Math.Exp(-x)));
    /// <summary>-log (1 - sigmoid(x)): the loss when the label is 0.</summary>
    public static readonly float[] LossNegative = Build(x => Math.Log(1 + Math.Exp(x)));

    /// <summary>Table index for f in (-MaxExp, MaxExp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Index(float f) => (int)((f + MaxExp) * Scale);

    /// <summary>-log P(label | f) outside the table: 0 on the right side, |f| on the wrong one (error below 0.0025).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SaturatedLoss(float f, int label) => (label == 1) == (f > 0) ? 0f : Math.Abs(f);

    /// <summary>Pointers to the three tables, which live on the pinned heap.</summary>
    public static unsafe SigmoidTables Pointers => new(Simd.Pinned.Pointer(Table), Simd.Pinned.Pointer(LossPositive), Simd.Pinned.Pointer(LossNegative));

    private static float[] Build(Func<double, double> fn)
    {
        var table = Simd.Pinned.Allocate<float>(TableSize + 1);
        for (int i = 0; i <= TableSize; i++)
            table[i] = (float)fn((i / (double)TableSize * 2 - 1) * MaxExp);
        return table;
    }
}
