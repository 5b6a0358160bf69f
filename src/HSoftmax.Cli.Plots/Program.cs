namespace HSoftmax.Cli.Plots;

/// <summary><c>hsoftmax-plots</c>: the whole tool, with this add-on in its own folder.</summary>
internal static class Program
{
    public static int Main(string[] args) => Cli.Program.Main(args);
}
