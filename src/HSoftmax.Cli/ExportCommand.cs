using System.CommandLine;
using HSoftmax.Corpus;
using HSoftmax.Vectors;

namespace HSoftmax.Cli;

/// <summary>
/// <c>hsoftmax export VECTORS --to npy|safetensors|glove [--output PATH]</c>: the vectors as other
/// pipelines load them (NumPy, PyTorch and Hugging Face through safetensors, GloVe readers).
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var vectors = EvalCommands.VectorsArgument();
        var to = new Option<string>("--to") { Description = "npy (with the words in PATH's .vocab.txt beside it), safetensors (words in its metadata) or glove (text, no header).", Required = true };
        to.AcceptOnlyFromAmong("npy", "safetensors", "glove");
        var output = new Option<string?>("--output", "-o") { Description = "The file to write (default: the vectors file's name with .npy, .safetensors or .glove.txt)." };
        var strict = EvalCommands.StrictUtf8Option();
        var command = new Command("export", "Write word vectors as a NumPy .npy array (and its vocabulary), a safetensors file, or GloVe text.");
        command.Arguments.Add(vectors);
        foreach (Option o in new Option[] { to, output, strict }) command.Options.Add(o);
        command.SetAction((parse, cancel) =>
        {
            var io = parse.InvocationConfiguration;
            return Task.FromResult(EvalCommands.Guard(io.Error, () =>
            {
                string input = parse.GetValue(vectors)!;
                var format = parse.GetValue(to) switch { "npy" => ExportFormat.Npy, "safetensors" => ExportFormat.Safetensors, _ => ExportFormat.Glove };
                string stem = Path.Combine(Path.GetDirectoryName(input) ?? ".", Path.GetFileNameWithoutExtension(input));
                string path = parse.GetValue(output) ?? stem + format switch { ExportFormat.Npy => ".npy", ExportFormat.Safetensors => ".safetensors", _ => ".glove.txt" };
                string? vocabulary = format == ExportFormat.Npy ? Path.ChangeExtension(path, null) + ".vocab.txt" : null;
                var outputs = new List<(string, string)> { ("--output", path) };
                if (vocabulary is not null) outputs.Add(("--output's vocabulary", vocabulary));
                OutputPaths.Check(outputs, [input], [input]);
                var loaded = EvalCommands.Load(input, null, parse.GetValue(strict), io.Error);
                VectorExport.Save(loaded, path, format, vocabulary, cancel);
                io.Output.WriteLine($"Wrote {loaded.Count:N0} x {loaded.Dim} vectors to {path}{(vocabulary is null ? "" : $" and their words to {vocabulary}")}");
                return 0;
            }));
        });
        return command;
    }
}
