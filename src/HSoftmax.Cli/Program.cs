using System.CommandLine;

namespace HSoftmax.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("HSoftmax: word2vec-compatible word vectors (skip-gram, CBOW; hierarchical softmax, negative sampling).\nWith no command, trains on the bundled corpus and shows what it learned.");
        var train = TrainCommand.Create();
        root.Subcommands.Add(train);
        root.SetAction((parse, cancel) =>
        {
            Console.Error.WriteLine("hsoftmax: no command given; training on the bundled corpus (see 'hsoftmax --help' for commands)");
            return Task.FromResult(TrainCommand.Run(train.Parse([]), Console.Out, Console.Error, cancel));
        });
        return root.Parse(args).Invoke();
    }
}
