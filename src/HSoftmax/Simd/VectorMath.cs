using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HSoftmax.Simd;

/// <summary>
/// The few vector kernels the trainer and the evaluator spend their time in, on raw pointers.
/// Vector512 where the CPU accelerates it, then Vector256 and Vector128 for the tail, so a 100-wide row
/// needs no scalar loop; a width the CPU does not accelerate (256 and 512 bits on ARM64) is never used,
/// as it would be emulated.
/// </summary>
/// <remarks>
/// Hand-written per width on purpose: the same kernels as operator structs run by one generic driver
/// (TensorPrimitives' shape) were as fast alone but cost 3-4% of skip-gram's speed end to end at two
/// threads (paired enwiki runs; tools/results/kernels.md).
/// </remarks>
internal static unsafe class VectorMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* x, float* y, int n)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + i), Vector512.Load(y + i), acc);
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
                acc = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Vector256.Load(y + i), acc);
            sum = Vector256.Sum(acc);
        }
        else if (!Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated && n >= 4)
        {
            var acc = Vector128<float>.Zero;
            for (; i <= n - 4; i += 4)
                acc = Vector128.FusedMultiplyAdd(Vector128.Load(x + i), Vector128.Load(y + i), acc);
            sum = Vector128.Sum(acc);
        }
        if (Vector256.IsHardwareAccelerated && i <= n - 8) { sum += Vector256.Sum(Vector256.Load(x + i) * Vector256.Load(y + i)); i += 8; }
        if (Vector128.IsHardwareAccelerated && i <= n - 4) { sum += Vector128.Sum(Vector128.Load(x + i) * Vector128.Load(y + i)); i += 4; }
        for (; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>y += a * x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float a, float* x, float* y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            for (; i <= n - 16; i += 16)
                Vector512.FusedMultiplyAdd(va, Vector512.Load(x + i), Vector512.Load(y + i)).Store(y + i);
        }
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.Create(a), Vector256.Load(x + i), Vector256.Load(y + i)).Store(y + i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 8; i += 4)  // the last four go to the step below
                Vector128.FusedMultiplyAdd(Vector128.Create(a), Vector128.Load(x + i), Vector128.Load(y + i)).Store(y + i);
        if (Vector128.IsHardwareAccelerated && i <= n - 4) { Vector128.FusedMultiplyAdd(Vector128.Create(a), Vector128.Load(x + i), Vector128.Load(y + i)).Store(y + i); i += 4; }
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>
    /// The shared step of every output-layer update: <c>grad += g * output; output += g * input</c>,
    /// in one pass over the output row (it is read once, written once).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateOutput(float g, float* input, float* output, float* grad, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vg = Vector512.Create(g);
            for (; i <= n - 16; i += 16)
            {
                var o = Vector512.Load(output + i);
                Vector512.FusedMultiplyAdd(vg, o, Vector512.Load(grad + i)).Store(grad + i);
                Vector512.FusedMultiplyAdd(vg, Vector512.Load(input + i), o).Store(output + i);
            }
        }
        for (; Vector256.IsHardwareAccelerated && i <= n - 8; i += 8)
        {
            var vg = Vector256.Create(g);
            var o = Vector256.Load(output + i);
            Vector256.FusedMultiplyAdd(vg, o, Vector256.Load(grad + i)).Store(grad + i);
            Vector256.FusedMultiplyAdd(vg, Vector256.Load(input + i), o).Store(output + i);
        }
        for (; !Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated && i <= n - 8; i += 4)  // ARM64; the last four go to the step below
        {
            var vg = Vector128.Create(g);
            var o = Vector128.Load(output + i);
            Vector128.FusedMultiplyAdd(vg, o, Vector128.Load(grad + i)).Store(grad + i);
            Vector128.FusedMultiplyAdd(vg, Vector128.Load(input + i), o).Store(output + i);
        }
        if (Vector128.IsHardwareAccelerated && i <= n - 4)
        {
            var vg = Vector128.Create(g);
            var o = Vector128.Load(output + i);
            Vector128.FusedMultiplyAdd(vg, o, Vector128.Load(grad + i)).Store(grad + i);
            Vector128.FusedMultiplyAdd(vg, Vector128.Load(input + i), o).Store(output + i);
            i += 4;
        }
        for (; i < n; i++)
        {
            float o = output[i];
            grad[i] += g * o;
            output[i] = o + g * input[i];
        }
    }

    /// <summary>x *= a.</summary>
    public static void Scale(float a, float* x, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) (Vector256.Load(x + i) * a).Store(x + i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 4; i += 4) (Vector128.Load(x + i) * a).Store(x + i);
        for (; i < n; i++) x[i] *= a;
    }

    public static void Clear(float* x, int n) => new Span<float>(x, n).Clear();
}
