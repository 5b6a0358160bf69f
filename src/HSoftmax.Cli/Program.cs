using System.CommandLine;
using System.CommandLine.Help;

namespace HSoftmax.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        // mpirun gives each rank's standard output a pseudo-terminal, and .NET then writes the terminal's
        // keypad escape codes to it: they would land at the head of `--json` output and redirected vectors.
        // A rank is not talking to a terminal, whatever mpirun gives it; .NET reads TERM when the console is first used.
        if (Distributed.MpiJob.LaunchedByMpirun) Environment.SetEnvironmentVariable("TERM", null);
        return Run(args, Console.Out, Console.Error);
    }

    /// <summary>Runs the tool with its output sent to the given writers (tests run it in-process).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length > 0 && args[0] == "train" && Word2VecFlags.Used(args))
        {
            try { args = Word2VecFlags.Translate(args); }
            catch (ArgumentException e)
            {
                stderr.WriteLine($"hsoftmax: {e.Message}");
                return 2;
            }
        }
        // A plain command named as users call the tool, not RootCommand, which takes the name of the
        // running file ("HSoftmax.Cli" under dotnet run or as an installed tool's assembly).
        var root = new Command("hsoftmax", "HSoftmax: word2vec-compatible word vectors (skip-gram, CBOW; hierarchical softmax, negative sampling).\nWith no command, trains on the bundled corpus and shows what it learned.");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        var train = TrainCommand.Create();
        root.Subcommands.Add(train);
        root.Subcommands.Add(EvalCommands.Eval());
        root.Subcommands.Add(EvalCommands.Nearest());
        root.Subcommands.Add(EvalCommands.Analogy());
        root.Subcommands.Add(EvalCommands.Similarity());
        root.Subcommands.Add(EvalCommands.MostSimilar());
        root.Subcommands.Add(EvalCommands.DoesntMatch());
        root.Subcommands.Add(VocabCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(Pictures.MapCommand());
        root.Subcommands.Add(DoctorCommand.Create());
        root.SetAction((parse, cancel) =>
        {
            // The demo: CBOW with hierarchical softmax, so the Huffman tree (the product's namesake) shows, and
            // 15 epochs, as word2vec's demo-word.sh, since the bundled corpus is small.
            stderr.WriteLine("hsoftmax: no command given; running the demo: 'hsoftmax train --loss hs --epochs 15' on the bundled corpus (see 'hsoftmax --help')");
            int code = TrainCommand.Run(train.Parse(["--loss", "hs", "--epochs", "15"]), stdout, stderr, cancel);
            if (code == 0)
                stdout.WriteLine("The bundled corpus is small (0.9M words): more text, or more epochs, gives better vectors. Train on your own with 'hsoftmax train --input FILE'.");
            return Task.FromResult(code);
        });
        // No System.CommandLine termination handler: `train` handles Ctrl-C and SIGTERM itself (Interruption).
        var parsed = root.Parse(args);
        int code = parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null });
        // A usage error (unknown option, missing argument, bad choice) exits 2, as range errors do and as
        // getopt tools do; System.CommandLine's own code for it is 1, which we keep for bad input.
        return parsed.Errors.Count > 0 && code == 1 ? 2 : code;
    }
}
