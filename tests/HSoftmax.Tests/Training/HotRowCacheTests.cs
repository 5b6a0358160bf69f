using HSoftmax.Training;

namespace HSoftmax.Tests.Training;

public unsafe class HotRowCacheTests
{
    [Fact]
    public void MergeAddsEachThreadsChangesToTheSharedRows()
    {
        const int dim = 19, rows = 10;
        float[] matrix = Enumerable.Range(0, rows * dim).Select(i => (float)i).ToArray();
        fixed (float* m = matrix)
        {
            using var a = new HotRowCache(m, firstRow: 6, rows: 3, dim);
            using var b = new HotRowCache(m, firstRow: 6, rows: 3, dim);
            Assert.Equal(6 * dim, a.Private[0]);              // copies of rows 6..8
            a.Private[0] += 1;                                // thread A moves row 6 by +1
            b.Private[0] += 2;                                // thread B moves it by +2, unaware of A
            b.Private[2 * dim + 4] -= 5;                      // and row 8, column 4
            a.Merge();
            Assert.Equal(6 * dim + 1, matrix[6 * dim]);
            b.Merge();
            Assert.Equal(6 * dim + 3, matrix[6 * dim]);       // both changes land
            Assert.Equal(8 * dim + 4 - 5, matrix[8 * dim + 4]);
            Assert.Equal(6 * dim + 3, b.Private[0]);          // B's copy is refreshed with A's change
            Assert.Equal(5 * dim, matrix[5 * dim]);           // rows outside the range untouched
            a.Merge();                                        // nothing new from A: no change
            Assert.Equal(6 * dim + 3, matrix[6 * dim]);
        }
    }
}
