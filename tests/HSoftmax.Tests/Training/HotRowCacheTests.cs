using HSoftmax.Training;

namespace HSoftmax.Tests.Training;

public unsafe class HotRowCacheTests
{
    private const int Dim = 19;

    [Fact]
    public void ChangesFromOneStartLandAsTheirMean()
    {
        float[] matrix = Matrix(30);
        fixed (float* m = matrix)
        {
            var shared = new SharedHotRows(m, firstRow: 6, rows: 20, Dim);
            using var a = new HotRowCache(shared, thread: 0);
            using var b = new HotRowCache(shared, thread: 1);
            a.BeginTraining();
            b.BeginTraining();
            Assert.Equal(6 * Dim, a.Private[0]);              // copies of rows 6..25
            a.Private[0] += 1;                                // thread A moves row 6 by +1
            b.Private[0] += 3;                                // thread B moves it by +3 from the same start
            b.Private[19 * Dim + 4] -= 5;                     // and row 25 (another stripe), column 4
            Assert.Equal(2, a.Merge());
            Assert.Equal(6 * Dim + 0.5f, matrix[6 * Dim]);
            Assert.Equal(2, b.Merge());
            Assert.Equal(6 * Dim + 2, matrix[6 * Dim]);       // the mean of +1 and +3
            Assert.Equal(25 * Dim + 4 - 2.5f, matrix[25 * Dim + 4]);
            Assert.Equal(6 * Dim + 2, b.Private[0]);          // B's copy is refreshed with both changes
            Assert.Equal(5 * Dim, matrix[5 * Dim]);           // rows outside the range untouched
            Assert.Equal(26 * Dim, matrix[26 * Dim]);
            Assert.Equal(2, a.Merge());                       // no change from A: nothing moves
            Assert.Equal(6 * Dim + 2, matrix[6 * Dim]);
        }
    }

    [Fact]
    public void RowsOutsideTheAveragedRangeAddEveryChange()
    {
        float[] matrix = Matrix(16);
        fixed (float* m = matrix)
        {
            var shared = new SharedHotRows(m, firstRow: 0, rows: 16, Dim, averagedFirst: 8, averagedCount: 8);
            using var a = new HotRowCache(shared, thread: 0);
            using var b = new HotRowCache(shared, thread: 1);
            a.BeginTraining();
            b.BeginTraining();
            foreach (var (copy, step) in new[] { (a, 1f), (b, 3f) })
            {
                copy.Private[3 * Dim] += step;   // row 3: summed
                copy.Private[12 * Dim] += step;  // row 12: averaged
            }
            a.Merge();
            b.Merge();
            Assert.Equal(3 * Dim + 4, matrix[3 * Dim]);
            Assert.Equal(12 * Dim + 2, matrix[12 * Dim]);
        }
    }

    [Fact]
    public void ALoneThreadSumsItsChanges()
    {
        float[] matrix = Matrix(8);
        fixed (float* m = matrix)
        {
            var shared = new SharedHotRows(m, firstRow: 0, rows: 8, Dim);
            using var alone = new HotRowCache(shared, thread: 0);
            using var idle = new HotRowCache(shared, thread: 1);  // a thread that got no chunk never starts training
            alone.BeginTraining();
            for (int merge = 1; merge <= 3; merge++)
            {
                alone.Private[Dim + 2] += 1;
                Assert.Equal(1, alone.Merge());
                Assert.Equal(Dim + 2 + merge, matrix[Dim + 2]);
            }
        }
    }

    [Fact]
    public void ACopyThatFellBehindCountsEveryMergeSinceIt()
    {
        float[] matrix = Matrix(8);
        fixed (float* m = matrix)
        {
            var shared = new SharedHotRows(m, firstRow: 0, rows: 8, Dim);
            using var busy = new HotRowCache(shared, thread: 0);
            using var late = new HotRowCache(shared, thread: 1);
            busy.BeginTraining();
            late.BeginTraining();
            for (int i = 0; i < 5; i++) busy.Merge();         // the scheduler kept the other thread waiting
            late.Private[0] += 6;
            Assert.Equal(6, late.Merge());                    // five merges since its copy, and its own
            Assert.Equal(1, matrix[0]);
        }
    }

    /// <summary>
    /// The case that broke 16 threads: every thread pulls a row all the way to where its data puts it
    /// between two merges. Summed, n concurrent pulls from one stale start overshoot n-fold and the row
    /// oscillates ever wider; averaged, it settles at any thread count.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(64)]
    public void ThreadsThatEachSettleARowLeaveItSettled(int threads)
    {
        const int dim = 16;
        float[] matrix = new float[dim];
        float[] target = Enumerable.Range(0, dim).Select(i => 1f + i).ToArray();
        fixed (float* m = matrix)
        {
            var shared = new SharedHotRows(m, firstRow: 0, rows: 1, dim);
            var copies = Enumerable.Range(0, threads).Select(t => new HotRowCache(shared, t)).ToArray();
            try
            {
                foreach (var copy in copies) copy.BeginTraining();
                for (int round = 0; round < 40; round++)
                {
                    foreach (var copy in copies)
                    {
                        for (int i = 0; i < dim; i++) copy.Private[i] = target[i];  // thousands of steps settle it
                        copy.Merge();
                    }
                }
            }
            finally
            {
                foreach (var copy in copies) copy.Dispose();
            }
        }
        for (int i = 0; i < dim; i++) Assert.Equal(target[i], matrix[i], 1e-4f * target[i]);
    }

    private static float[] Matrix(int rows) => Enumerable.Range(0, rows * Dim).Select(i => (float)i).ToArray();
}
