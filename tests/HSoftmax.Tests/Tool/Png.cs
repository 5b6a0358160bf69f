using SkiaSharp;

namespace HSoftmax.Tests.Tool;

/// <summary>What a test asks of a picture: a PNG of the expected size with something drawn on it.</summary>
internal static class Png
{
    /// <summary>Width and height from the PNG header, after checking the signature.</summary>
    public static (int Width, int Height) Size(string path)
    {
        byte[] head = new byte[24];
        using (var file = File.OpenRead(path)) file.ReadExactly(head);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, head[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(head, 12, 4));
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(20)));
    }

    /// <summary>The share of the picture's pixels within a small distance of a colour (a series' colour).</summary>
    public static double Share(string path, SKColor colour)
    {
        using var bitmap = SKBitmap.Decode(path);
        int near = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                if (Math.Abs(p.Red - colour.Red) + Math.Abs(p.Green - colour.Green) + Math.Abs(p.Blue - colour.Blue) <= 24) near++;
            }
        return near / (double)(bitmap.Width * bitmap.Height);
    }

    /// <summary>
    /// Asserts the picture is not blank: a share of its pixels differs from the background (its corner),
    /// in more than a few colours (text, lines, bars).
    /// </summary>
    public static void AssertDrawn(string path, double minimumInkShare)
    {
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        var background = bitmap.GetPixel(0, 0);
        int ink = 0;
        var colours = new HashSet<SKColor>();
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                var pixel = bitmap.GetPixel(x, y);
                if (pixel != background) ink++;
                if (colours.Count < 64) colours.Add(pixel);
            }
        double share = ink / (bitmap.Width / 2.0 * (bitmap.Height / 2.0));
        Assert.True(share >= minimumInkShare, $"{path}: only {share:P2} of the pixels are drawn");
        Assert.True(colours.Count >= 8, $"{path}: only {colours.Count} colours");
    }
}
