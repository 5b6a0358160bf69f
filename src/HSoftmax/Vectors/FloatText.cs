using System.Globalization;

namespace HSoftmax.Vectors;

/// <summary>
/// Writes a float as decimal text that parses back to the same float, for word2vec text files.
/// </summary>
/// <remarks>
/// Nine significant digits, correctly rounded, always round-trip a float32 (FLT_DECIMAL_DIG). For
/// 1e-6 &lt;= |x| &lt; 2^23, where trained vectors live, the digits come from exact integer arithmetic:
/// x = m 2^q with q &lt; 0, so round(x 10^k) = round(m 10^k / 2^-q), a 128-bit product and a shift with
/// round-half-even. Trailing zeros are dropped. Other values (zero, tiny, huge, NaN) take .NET's
/// shortest round-trip form.
/// </remarks>
internal static class FloatText
{
    private static readonly ulong[] PowersOf10 = BuildPowers();

    /// <summary>Writes <paramref name="x"/> into <paramref name="destination"/> (32 bytes suffice); returns the length.</summary>
    public static int Write(float x, Span<byte> destination)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        int biased = (int)((bits >> 23) & 0xFF);
        float magnitude = Math.Abs(x);
        if (biased == 0 || biased == 0xFF || magnitude < 1e-6f || magnitude >= 8388608f)
        {
            x.TryFormat(destination, out int written, default, CultureInfo.InvariantCulture);
            return written;
        }
        ulong mantissa = (bits & 0x7FFFFF) | 0x800000;
        int shift = 150 - biased;  // x = mantissa / 2^shift, 1 <= shift <= 43 here

        // Decimal exponent d with 10^d <= |x| < 10^(d+1): floor(e log10 2) (78913 / 2^18), or one more.
        int d = ((biased - 127) * 78913) >> 18;
        ulong digits = Scaled(mantissa, shift, 8 - d);
        if (digits >= 1_000_000_000UL) { d++; digits = Scaled(mantissa, shift, 8 - d); }
        if (digits >= 1_000_000_000UL) { d++; digits = Scaled(mantissa, shift, 8 - d); }  // rounding carried up

        uint v = (uint)digits;
        int significant = 9;
        while (v % 10 == 0) { v /= 10; significant--; }

        int n = 0;
        if ((bits >> 31) != 0) destination[n++] = (byte)'-';
        int length;
        if (d < 0)
        {
            int zeros = -d - 1;
            destination[n] = (byte)'0';
            destination[n + 1] = (byte)'.';
            destination.Slice(n + 2, zeros).Fill((byte)'0');
            n += 2 + zeros;
            length = significant;
            for (int i = significant - 1; i >= 0; i--) { destination[n + i] = (byte)('0' + v % 10); v /= 10; }
        }
        else if (significant <= d + 1)
        {
            length = d + 1;
            destination.Slice(n + significant, length - significant).Fill((byte)'0');
            for (int i = significant - 1; i >= 0; i--) { destination[n + i] = (byte)('0' + v % 10); v /= 10; }
        }
        else
        {
            length = significant + 1;
            destination[n + d + 1] = (byte)'.';
            for (int i = significant - 1; i >= 0; i--) { destination[n + (i > d ? i + 1 : i)] = (byte)('0' + v % 10); v /= 10; }
        }
        return n + length;
    }

    /// <summary>round(mantissa 10^k / 2^shift), ties to even, for 0 &lt;= k &lt;= 19 and 1 &lt;= shift &lt;= 63.</summary>
    private static ulong Scaled(ulong mantissa, int shift, int k)
    {
        ulong high = Math.BigMul(mantissa, PowersOf10[k], out ulong low);
        ulong quotient = (low >> shift) | (high << (64 - shift));
        ulong remainder = low & ((1UL << shift) - 1);
        ulong half = 1UL << (shift - 1);
        if (remainder > half || (remainder == half && (quotient & 1) == 1)) quotient++;
        return quotient;
    }

    private static ulong[] BuildPowers()
    {
        var powers = new ulong[20];
        powers[0] = 1;
        for (int i = 1; i < powers.Length; i++) powers[i] = powers[i - 1] * 10;
        return powers;
    }
}
