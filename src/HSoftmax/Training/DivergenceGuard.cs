using System.Globalization;

namespace HSoftmax.Training;

/// <summary>Training stopped because its loss or weights stopped being numbers, or its loss ran away.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>
/// Stops a run that has diverged, within the epoch, before any vectors are written: a loss that is
/// NaN or infinite, weights that are, or a loss that climbs far above the first epoch's.
/// </summary>
/// <remarks>
/// The usual cause is a learning rate far too large (alpha 10 turns every weight NaN within
/// a second). The SGD loss falls from epoch to epoch and barely moves within one, so a loss three times
/// the first epoch's is far outside anything a sound run does; nothing smaller is flagged, as a noisy
/// but sound run must never be stopped.
/// </remarks>
internal sealed class DivergenceGuard(TrainingOptions options)
{
    private const double RiseFactor = 3;
    private double? _firstEpochLoss;

    /// <summary>A running or final epoch loss: null while sound, else the error to stop the run with.</summary>
    public TrainingDivergedException? CheckLoss(double loss, int epoch, double fraction)
    {
        if (!double.IsFinite(loss))
            return Diverged($"the loss is {loss.ToString(CultureInfo.InvariantCulture)}", epoch, fraction);
        if (_firstEpochLoss is double first && first > 0 && loss > RiseFactor * first)
            return Diverged(string.Create(CultureInfo.InvariantCulture, $"the loss rose to {loss:F4}, over {RiseFactor}x the first epoch's {first:F4}"), epoch, fraction);
        return null;
    }

    /// <summary>Checks a weight matrix in one vectorised pass: x * 0 is 0 for every finite x and NaN otherwise.</summary>
    public TrainingDivergedException? CheckWeights(ReadOnlySpan<float> weights, string name, int epoch, double fraction)
    {
        var probe = System.Numerics.Vector<float>.Zero;
        var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(weights);
        foreach (var v in vectors) probe += v * System.Numerics.Vector<float>.Zero;
        float tail = 0;
        for (int i = vectors.Length * System.Numerics.Vector<float>.Count; i < weights.Length; i++) tail += weights[i] * 0f;
        return float.IsFinite(System.Numerics.Vector.Sum(probe) + tail) ? null : NonFiniteWeights(name, epoch, fraction);
    }

    /// <summary>The error for weights found not finite (by <see cref="CheckWeights"/> or on a device).</summary>
    public TrainingDivergedException NonFiniteWeights(string name, int epoch, double fraction) =>
        Diverged($"the {name} weights are no longer finite numbers", epoch, fraction);

    public void EpochDone(double loss) => _firstEpochLoss ??= loss;

    private TrainingDivergedException Diverged(string what, int epoch, double fraction)
    {
        string alpha = options.Alpha is float a ? a.ToString(CultureInfo.InvariantCulture) : "the default";
        return new TrainingDivergedException(string.Create(CultureInfo.InvariantCulture,
            $"training diverged in epoch {epoch} at {fraction * 100:F0}% of the run: {what}. The learning rate, alpha {alpha}, is the likely cause; word2vec uses 0.025 for skip-gram and 0.05 for CBOW. No vectors were written"));
    }
}
