using System.Diagnostics;
using HSoftmax.Tree;

namespace HSoftmax.Tests.Tree;

public class HuffmanTreeTests
{
    [Fact]
    public void HandWorkedExampleHasKnownCodesAndPaths()
    {
        // counts 5,3,2,1: merge 1+2 -> n0 (3); tie 3 vs n0 goes to the inner node: n0+3 -> n1 (6); 5+n1 -> root n2.
        var tree = HuffmanTree.Build([5, 3, 2, 1]);
        Assert.Equal(3, tree.InnerNodeCount);
        Assert.Equal([0], tree.GetCode(0).ToArray());
        Assert.Equal([2], tree.GetPath(0).ToArray());
        Assert.Equal([1, 1], tree.GetCode(1).ToArray());
        Assert.Equal([2, 1], tree.GetPath(1).ToArray());
        Assert.Equal([1, 0, 1], tree.GetCode(2).ToArray());
        Assert.Equal([2, 1, 0], tree.GetPath(2).ToArray());
        Assert.Equal([1, 0, 0], tree.GetCode(3).ToArray());
        Assert.Equal([2, 1, 0], tree.GetPath(3).ToArray());
        Assert.Equal(3, tree.MaxDepth);
        Assert.Equal((5 * 1 + 3 * 2 + 2 * 3 + 1 * 3) / 11.0, tree.WeightedMeanDepth, 12);
    }

    [Fact]
    public void MeanDepthWeighsEachWordsCodeLength()
    {
        var tree = HuffmanTree.Build([5, 3, 2, 1]);  // depths 1, 2, 3, 3 (above)
        Assert.Equal(tree.WeightedMeanDepth, tree.MeanDepth([5, 3, 2, 1]), 12);
        // Subsampling-like weights that keep only part of the frequent words: the mean moves to the long codes.
        Assert.Equal((1 * 1 + 2 * 1.5 + 3 * 2 + 3 * 1) / 5.5, tree.MeanDepth([1, 1.5, 2, 1]), 12);
        Assert.Equal(3, tree.MeanDepth([0, 0, 0, 4]), 12);
        Assert.Throws<ArgumentException>(() => tree.MeanDepth([1, 1]));
    }

    [Fact]
    public void SingleWordHasEmptyCode()
    {
        var tree = HuffmanTree.Build([7]);
        Assert.Equal(0, tree.InnerNodeCount);
        Assert.Equal(0, tree.GetDepth(0));
        Assert.Equal(0, tree.MaxDepth);
    }

    [Fact]
    public void TwoWordsShareTheRoot()
    {
        var tree = HuffmanTree.Build([4, 4]);
        Assert.Equal([0], tree.GetPath(0).ToArray());
        Assert.Equal([0], tree.GetPath(1).ToArray());
        Assert.Equal([1], tree.GetCode(0).ToArray()); // the rarer (later) leaf is merged first and gets 0
        Assert.Equal([0], tree.GetCode(1).ToArray());
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(100, 2)]
    [InlineData(5000, 3)]
    public void KraftSumIsOneAndLengthIsOptimal(int words, int seed)
    {
        var rnd = new Random(seed);
        long[] counts = Enumerable.Range(0, words).Select(_ => (long)rnd.Next(1, 1000)).OrderByDescending(c => c).ToArray();
        var tree = HuffmanTree.Build(counts);

        double kraft = 0;
        long weighted = 0;
        for (int w = 0; w < words; w++)
        {
            kraft += Math.Pow(2, -tree.GetDepth(w));
            weighted += counts[w] * tree.GetDepth(w);
        }
        Assert.Equal(1.0, kraft, 12);
        Assert.Equal(ReferenceHuffmanCost(counts), weighted);

        // Codes are prefix-free: every word's code is distinct and paths start at the root.
        var codes = new HashSet<string>();
        for (int w = 0; w < words; w++)
        {
            Assert.True(codes.Add(string.Concat(tree.GetCode(w).ToArray())));
            Assert.Equal(words - 2, tree.GetPath(w)[0]);
        }
    }

    [Fact]
    public void CodesLongerThanFortyAreSupported()
    {
        // Fibonacci counts give the deepest possible tree: depth V - 1.
        var fib = new List<long> { 1, 1 };
        while (fib.Count < 60) fib.Add(fib[^1] + fib[^2]);
        fib.Reverse();
        var tree = HuffmanTree.Build(fib.ToArray());
        Assert.Equal(59, tree.MaxDepth);
        double kraft = Enumerable.Range(0, 60).Sum(w => Math.Pow(2, -tree.GetDepth(w)));
        Assert.Equal(1.0, kraft, 12);
        Assert.Equal(ReferenceHuffmanCost(fib.ToArray()), Enumerable.Range(0, 60).Sum(w => fib[w] * tree.GetDepth(w)));
    }

    [Fact]
    public void UnsortedCountsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => HuffmanTree.Build([1, 2]));
        Assert.Throws<ArgumentException>(() => HuffmanTree.Build([]));
    }

    [Fact]
    public void MillionWordZipfVocabularyBuildsWellUnderASecond()
    {
        long[] counts = Enumerable.Range(0, 1_000_000).Select(r => Math.Max(1L, 1_000_000_000L / (r + 1))).ToArray();
        HuffmanTree.Build(counts.AsSpan(0, 1000)); // warm up the JIT
        var clock = Stopwatch.StartNew();
        var tree = HuffmanTree.Build(counts);
        clock.Stop();
        Assert.True(clock.Elapsed.TotalSeconds < 1, $"took {clock.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(999_999, tree.InnerNodeCount);
        Assert.InRange(tree.MaxDepth, 20, 60);
    }

    /// <summary>Cost (sum of count x depth) of a Huffman code made the textbook way, with a priority queue.</summary>
    private static long ReferenceHuffmanCost(long[] counts)
    {
        if (counts.Length == 1) return 0;
        var queue = new PriorityQueue<long, long>();
        foreach (long c in counts) queue.Enqueue(c, c);
        long cost = 0;
        while (queue.Count > 1)
        {
            long merged = queue.Dequeue() + queue.Dequeue();
            cost += merged;
            queue.Enqueue(merged, merged);
        }
        return cost;
    }
    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 3)]
    [InlineData(7, 0)]
    [InlineData(7, 1)]
    [InlineData(300, 45)]
    public void AGraftedTreeKeepsEveryOldPathBelowANewRoot(int oldWords, int newWords)
    {
        var rnd = new Random(oldWords + newWords);
        long[] oldCounts = Enumerable.Range(0, oldWords).Select(_ => (long)rnd.Next(1, 1000)).OrderDescending().ToArray();
        var old = HuffmanTree.Build(oldCounts);
        // The merged vocabulary: old words with more counts, new words among them, re-sorted by count.
        var merged = Enumerable.Range(0, oldWords).Select(i => (Old: i, Count: oldCounts[i] + rnd.Next(0, 500)))
            .Concat(Enumerable.Range(0, newWords).Select(_ => (Old: -1, Count: (long)rnd.Next(1, 1500))))
            .OrderByDescending(e => e.Count).ToArray();
        int[] oldIdOf = merged.Select(e => e.Old).ToArray();
        var tree = HuffmanTree.Graft(old, oldIdOf, merged.Select(e => e.Count).ToArray(), out int[] oldInnerOf);

        Assert.Equal(oldWords + newWords, tree.WordCount);
        Assert.Equal(oldWords - 1, oldInnerOf.Count(o => o >= 0));
        for (int w = 0; w < merged.Length; w++)
        {
            if (oldIdOf[w] < 0) continue;
            int[] path = tree.GetPath(w), oldPath = old.GetPath(oldIdOf[w]);
            byte[] code = tree.GetCode(w), oldCode = old.GetCode(oldIdOf[w]);
            int top = newWords > 0 ? 1 : 0;                                   // the new root above the old one
            Assert.Equal(oldPath, path.Skip(top).Select(j => oldInnerOf[j]));  // the same nodes, so the same trained rows
            Assert.Equal(oldCode, code.Skip(top));
        }
        // Inner nodes lightest first, as Build numbers them: the root last, the top rows (the hot ones) at the end.
        if (tree.WordCount > 1) Assert.Equal(tree.InnerNodeCount - 1, tree.GetPath(0)[0]);
    }
}

