using System.Text;
using HSoftmax.Vectors;

namespace HSoftmax.Tests.Vectors;

public class FloatTextTests
{
    private static string Text(float x)
    {
        Span<byte> buffer = stackalloc byte[32];
        return Encoding.ASCII.GetString(buffer[..FloatText.Write(x, buffer)]);
    }

    [Theory]
    [InlineData(0.5f, "0.5")]
    [InlineData(-0.25f, "-0.25")]
    [InlineData(1f, "1")]
    [InlineData(100f, "100")]
    [InlineData(123.5f, "123.5")]
    [InlineData(0.001f, "0.00100000005")]   // 0.001f is 0.001000000047...: nine digits, correctly rounded
    [InlineData(0f, "0")]
    [InlineData(1e-7f, "1E-07")]            // outside the fast range: .NET's shortest form
    [InlineData(1e20f, "1E+20")]
    public void WritesPlainDecimals(float x, string expected) => Assert.Equal(expected, Text(x));

    [Fact]
    public void EveryExponentAndRandomBitsParseBackToTheSameFloat()
    {
        var rnd = new Random(17);
        var samples = new List<float> { float.Epsilon, float.MaxValue, float.MinValue, -0f, 1e-6f, -1e-6f, 8388607.5f, 8388608f, 9.999999f, 10f, 99999.99f };
        for (int biased = 1; biased < 255; biased++)
            for (int j = 0; j < 200; j++)
                samples.Add(BitConverter.UInt32BitsToSingle((uint)(biased << 23) | (uint)rnd.Next(1 << 23) | (j % 2 == 0 ? 0u : 1u << 31)));
        for (int j = 0; j < 1_000_000; j++)
            samples.Add((float)(rnd.NextDouble() * 2 - 1) * (float)Math.Pow(10, rnd.Next(-7, 8)));
        foreach (float x in samples)
        {
            string text = Text(x);
            float back = float.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(BitConverter.SingleToUInt32Bits(back) == BitConverter.SingleToUInt32Bits(x), $"{x:R} wrote '{text}', read back {back:R}");
        }
    }
}
