namespace HSoftmax.Cli.AddOns;

/// <summary>One point of the training curve: where in training (in epochs) and the running loss and speed.</summary>
internal readonly record struct TrainingPoint(double Epochs, double Loss, double WordsPerSecond);

/// <summary>A bar of an evaluation plot: a set's or an analogy section's score and what it measures.</summary>
internal readonly record struct ScoreBar(string Label, double Score);

/// <summary>
/// Pictures, drawn with ScottPlot in an add-on package: SkiaSharp's native library alone is 12 MB per
/// platform, more than the whole tool may take.
/// </summary>
internal interface IPlotAddOn
{
    /// <summary>Draws a small picture in memory: throws where the drawing library cannot run (its native library, fonts).</summary>
    void Check();

    /// <summary>A PNG: the loss over training (a line) and at each epoch's end (markers), words/s on the right axis.</summary>
    byte[] Training(IReadOnlyList<TrainingPoint> curve, IReadOnlyList<TrainingPoint> epochs, string title);

    /// <summary>A PNG: one bar chart, each set's score, then each analogy section's accuracy in another colour.</summary>
    byte[] Scores(IReadOnlyList<ScoreBar> sets, IReadOnlyList<ScoreBar> sections, string title);

    /// <summary>A PNG: labelled points of a 2-D projection.</summary>
    byte[] Map(IReadOnlyList<(string Word, double X, double Y)> points, string title);
}
