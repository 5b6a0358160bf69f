using HSoftmax.Cli.AddOns;
using ScottPlot;

namespace HSoftmax.Cli.Plots;

/// <summary>The tool's pictures, drawn headless with ScottPlot.</summary>
internal sealed class PlotAddOn : IPlotAddOn
{
    public const int Width = 1000, Height = 600;

    /// <summary>The scores picture widens with its bars (two evaluation suites have 40), so their names stay legible.</summary>
    public static int ScoresWidth(int bars) => Math.Max(Width, 300 + 28 * bars);

    public byte[] Training(IReadOnlyList<TrainingPoint> curve, IReadOnlyList<TrainingPoint> epochs, string title)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("epochs");
        plot.YLabel("training loss");
        // The running loss of each epoch, reported about once a second, meets the epoch's final loss at its end.
        var line = curve.Concat(epochs).OrderBy(p => p.Epochs).ToArray();
        var loss = plot.Add.ScatterLine(line.Select(p => p.Epochs).ToArray(), line.Select(p => p.Loss).ToArray());
        loss.LegendText = "loss (running mean in the epoch)";
        loss.LineWidth = 2;
        var ends = plot.Add.ScatterPoints(epochs.Select(p => p.Epochs).ToArray(), epochs.Select(p => p.Loss).ToArray());
        ends.LegendText = "epoch's loss";
        ends.MarkerSize = 10;
        ends.Color = loss.Color;
        // A run of a few seconds has few reports: then each epoch's words/s says more.
        var rates = curve.Count >= 2 * Math.Max(1, epochs.Count) ? curve : epochs;
        var speed = plot.Add.ScatterLine(rates.Select(p => p.Epochs).ToArray(), rates.Select(p => p.WordsPerSecond).ToArray());
        speed.LegendText = "words/s (right axis)";
        speed.Axes.YAxis = plot.Axes.Right;
        speed.LinePattern = LinePattern.Dashed;
        speed.LineWidth = 2;
        speed.Color = Colors.DarkOrange;
        plot.Axes.Right.Label.Text = "words/s";
        plot.ShowLegend(Alignment.UpperRight);
        return Png(plot, Width);
    }

    public byte[] Scores(IReadOnlyList<ScoreBar> sets, IReadOnlyList<ScoreBar> sections, string title)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.YLabel("accuracy (analogies) or Spearman rho (similarity)");
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        double position = 0;
        void Add(IEnumerable<ScoreBar> group, Color color)
        {
            foreach (var bar in group)
            {
                // A score that could not be computed (a set with under two known pairs) is a labelled gap, not a NaN bar.
                bool known = double.IsFinite(bar.Score);
                bars.Add(new Bar { Position = position, Value = known ? bar.Score : 0, FillColor = color, Label = known ? bar.Score.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) : "n/a" });
                ticks.Add(new Tick(position, bar.Label));
                position++;
            }
            position++;  // a gap between the sets and the sections
        }
        Add(sets, Colors.SteelBlue);
        Add(sections, Colors.DarkOrange);
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = bars.Count > 24 ? 0 : 11;  // with many bars the axis reads better than labels
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 210;
        plot.Axes.Right.MinimumSize = 140;  // the last names, slanted, run to the right
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "evaluation sets", FillColor = Colors.SteelBlue });
        if (sections.Count > 0) plot.Legend.ManualItems.Add(new LegendItem { LabelText = "analogy sections", FillColor = Colors.DarkOrange });
        plot.ShowLegend(Alignment.UpperRight);
        return Png(plot, ScoresWidth(bars.Count));
    }

    public byte[] Map(IReadOnlyList<(string Word, double X, double Y)> points, string title)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("first principal component");
        plot.YLabel("second principal component");
        var dots = plot.Add.ScatterPoints(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
        dots.MarkerSize = 8;
        foreach (var (word, x, y) in points)
        {
            var label = plot.Add.Text(word, x, y);
            label.LabelFontSize = 14;
            label.OffsetX = 6;
            label.OffsetY = -6;
        }
        plot.Axes.Margins(0.15, 0.15);
        return Png(plot, Width);
    }

    public void Check()
    {
        // The first drawing loads SkiaSharp's native library and the fonts: a platform without them fails here.
        var plot = new Plot();
        plot.Title("check");
        _ = plot.GetImageBytes(16, 16, ImageFormat.Png);
    }

    private static byte[] Png(Plot plot, int width) => plot.GetImageBytes(width, Height, ImageFormat.Png);
}
