using TorchSharp;

namespace HSoftmax.Torch;

/// <summary>
/// The constant Scalars the engine passes to libtorch, made once and held for the process.
/// </summary>
/// <remarks>
/// TorchSharp's Scalar owns a native object, frees it in a finalizer, and hands libtorch only its handle.
/// A Scalar made implicitly for one call (<c>t.mul_(2)</c>, <c>alpha: -alpha</c>) is garbage as soon as
/// its handle is read, so a collection on another thread can free it while libtorch is still reading it:
/// CI once saw index_add_ fail in Scalar::toFloat that way. The engine therefore converts no number
/// implicitly (a test scans its IL): constants come from here, and a per-call value is made with
/// <c>ToScalar()</c> and held by a <c>using</c> until the call has returned.
/// </remarks>
internal static class Scalars
{
    public static readonly Scalar Zero = 0L.ToScalar();
    public static readonly Scalar One = 1L.ToScalar();
    public static readonly Scalar MinusOne = (-1L).ToScalar();
    public static readonly Scalar Two = 2L.ToScalar();
    /// <summary>Where the word2vec tool's sigmoid table ends: |f| ≥ 6 counts as saturated.</summary>
    public static readonly Scalar Six = 6L.ToScalar();
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();
}
