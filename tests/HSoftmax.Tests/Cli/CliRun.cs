namespace HSoftmax.Tests.Cli;

/// <summary>Runs the hsoftmax command in-process, with its output captured.</summary>
internal static class CliRun
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = HSoftmax.Cli.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The tool as a process of its own (for signals, kills, standard input and the working folder).</summary>
    public static System.Diagnostics.ProcessStartInfo StartInfo(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "HSoftmax.Cli.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        return start;
    }
}
