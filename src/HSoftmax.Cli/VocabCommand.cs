using System.CommandLine;
using System.Globalization;
using HSoftmax.Corpus;
using HSoftmax.Training;
using HSoftmax.Tree;

namespace HSoftmax.Cli;

/// <summary>
/// <c>hsoftmax vocab FILE [WORD...]</c>: a vocabulary's words with their counts and ranks, and each word's
/// place in the Huffman tree (its code, root first, and depth). FILE is a vocabulary (<c>--save-vocab</c>,
/// word2vec's <c>-save-vocab</c>: "word count" lines) or a model file (<c>--checkpoint</c>), whose own tree
/// is shown (a continued model's grafted tree differs from one built from its counts).
/// </summary>
internal static class VocabCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A vocabulary ('word count' lines, as --save-vocab writes) or a model file (--checkpoint)." };
        var words = new Argument<string[]>("words") { Description = "Words to show (exact); default: the most frequent.", Arity = ArgumentArity.ZeroOrMore };
        var top = new Option<int>("--top", "-k") { Description = "Without words: how many of the most frequent to show.", DefaultValueFactory = _ => 20 };
        var command = new Command("vocab", "Show a vocabulary's words, counts and ranks, and each word's Huffman code and depth in the tree.");
        command.Arguments.Add(file);
        command.Arguments.Add(words);
        command.Options.Add(top);
        command.SetAction(parse =>
        {
            var io = parse.InvocationConfiguration;
            return EvalCommands.Guard(io.Error, () =>
            {
                Run(parse.GetValue(file)!, parse.GetValue(words) ?? [], EvalCommands.Positive(parse.GetValue(top), "--top"), io.Output);
                return 0;
            });
        });
        return command;
    }

    private static void Run(string path, string[] words, int top, TextWriter stdout)
    {
        var inv = CultureInfo.InvariantCulture;
        Vocabulary vocabulary;
        HuffmanTree tree;
        string treeSource;
        if (ModelFile.IsModelFile(path))
        {
            var model = ModelFile.Load(path);
            vocabulary = model.Vocabulary;
            tree = model.Tree ?? HuffmanTree.Build(vocabulary.Counts);
            treeSource = model.Tree is null ? "built from the counts (the model trained no tree)" : "the model's own";
        }
        else
        {
            vocabulary = Vocabulary.Load(path);
            tree = HuffmanTree.Build(vocabulary.Counts);
            treeSource = "built from the counts, as training builds it";
        }
        var ids = words.Length == 0
            ? Enumerable.Range(0, Math.Min(top, vocabulary.Count)).ToList()
            : words.Select(w => vocabulary.IndexOf(w) is int id and >= 0 ? id : throw new KeyNotFoundException($"{path}: '{w}' is not in the vocabulary")).ToList();

        stdout.WriteLine(string.Create(inv, $"{path}: {vocabulary.Count:N0} words, {vocabulary.TotalCount:N0} tokens"));
        stdout.WriteLine(string.Create(inv, $"Huffman tree ({treeSource}): {tree.InnerNodeCount:N0} inner nodes, depth max {tree.MaxDepth}, mean {tree.WeightedMeanDepth:F2} (count-weighted)"));
        stdout.WriteLine();
        int width = Math.Max(4, ids.Max(id => vocabulary.GetWord(id).Length));
        stdout.WriteLine(string.Create(inv, $"{"rank",8}  {"word".PadRight(width)}  {"count",14}  {"share",8}  {"depth",5}  code (root first)"));
        foreach (int id in ids)
        {
            string code = string.Concat(tree.GetCode(id).Select(bit => bit == 0 ? '0' : '1'));
            double share = vocabulary.TotalCount > 0 ? 100.0 * vocabulary.Counts[id] / vocabulary.TotalCount : 0;
            stdout.WriteLine(string.Create(inv, $"{id + 1,8}  {vocabulary.GetWord(id).PadRight(width)}  {vocabulary.Counts[id],14:N0}  {share,7:F3}%  {tree.GetDepth(id),5}  {code}"));
        }
    }
}
