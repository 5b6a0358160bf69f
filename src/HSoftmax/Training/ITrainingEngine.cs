using HSoftmax.Corpus;
using Microsoft.Extensions.Logging;

namespace HSoftmax.Training;

/// <summary>
/// A training engine: takes a <see cref="TrainingPlan"/> and the corpus, and returns the trained weights.
/// The CPU engine (<see cref="CpuEngine"/>) is in this library; the TorchSharp engine is in HSoftmax.Torch.
/// </summary>
/// <remarks>
/// An engine reads the corpus as word ids with <see cref="WordIdReader"/>, reports through
/// <see cref="TrainingMonitor"/> (progress, divergence, the epoch log and the result) and says what it
/// trains in <see cref="Capabilities"/>, which <see cref="EngineCapabilities.Check(TrainingPlan)"/> enforces.
/// </remarks>
public interface ITrainingEngine
{
    /// <summary>What the engine trains: its name, its losses, whether it resumes.</summary>
    EngineCapabilities Capabilities { get; }

    /// <summary>Trains every epoch of the plan (the rest of them for a resumed plan).</summary>
    /// <exception cref="InvalidOptionException">The plan asks for something the engine does not train.</exception>
    /// <exception cref="TrainingDivergedException">The loss or the weights stopped being numbers.</exception>
    TrainingResult Train(TrainingPlan plan, CorpusReader corpus, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>What an engine trains.</summary>
/// <param name="Engine">Its name as users pick it: cpu, torch, gpu.</param>
/// <param name="Losses">The losses it trains.</param>
/// <param name="Resumes">Whether it goes on from a checkpoint's place inside an epoch (<see cref="TrainingPlan.Resume"/>).</param>
public sealed record EngineCapabilities(string Engine, IReadOnlyList<LossKind> Losses, bool Resumes)
{
    /// <summary>Throws <see cref="InvalidOptionException"/> when the options or plan ask for what the engine cannot do.</summary>
    public void Check(TrainingOptions options)
    {
        if (!Losses.Contains(options.Loss))
            throw new InvalidOptionException(nameof(TrainingOptions.Loss),
                $"the {Engine} engine trains {string.Join(", ", Losses)}, not {options.Loss}");
    }

    /// <inheritdoc cref="Check(TrainingOptions)"/>
    public void Check(TrainingPlan plan)
    {
        Check(plan.Options);
        if (plan.Checkpoint is not null && !Resumes)
            throw new InvalidOptionException(nameof(TrainingPlan.Checkpoint), $"the {Engine} engine does not resume from checkpoints");
    }
}

/// <summary>Helpers for <see cref="ITrainingEngine"/>.</summary>
public static class TrainingEngineExtensions
{
    /// <summary>Counts the corpus (<see cref="TrainingPlan.Prepare(TrainingOptions, CorpusReader, ILogger?, CancellationToken)"/>), then trains on it.</summary>
    public static TrainingResult Train(this ITrainingEngine engine, TrainingOptions options, CorpusReader corpus, IProgress<TrainingProgress>? progress = null,
        ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        engine.Capabilities.Check(options);
        return engine.Train(TrainingPlan.Prepare(options, corpus, logger, cancellationToken), corpus, progress, cancellationToken);
    }
}
