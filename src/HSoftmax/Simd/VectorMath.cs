using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HSoftmax.Simd;

/// <summary>
/// The vector kernels training and evaluation spend their time in, on raw pointers, in the shape of
/// dotnet/runtime's TensorPrimitives: each operation is an operator struct with one method per vector
/// width (<see cref="IRowOperator"/>), and one driver (<see cref="Apply{TOperator}"/>, <see cref="Dot"/>)
/// runs the widest vector the CPU accelerates, then narrower ones and a scalar loop for the tail. A width
/// the CPU does not accelerate (256 and 512 bits on ARM64) is never used, as it would be emulated.
/// </summary>
/// <remarks>Vector512 pays on AVX-512 machines (tools/results/design-notes.md, kernels.md).</remarks>
internal static unsafe class VectorMath
{
    /// <summary>sum x[i] * y[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* x, float* y, int n)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + i), Vector512.Load(y + i), acc);
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                acc = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Vector256.Load(y + i), acc);
            sum = Vector256.Sum(acc);
        }
        else if (!Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            // ARM64's width; a constant false on x64, so the branch costs nothing there.
            var acc = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                acc = Vector128.FusedMultiplyAdd(Vector128.Load(x + i), Vector128.Load(y + i), acc);
            sum = Vector128.Sum(acc);
        }
        // The tail: one narrower step each, so a 100-wide row (6 x 16 + 4) needs no scalar loop.
        if (Vector256.IsHardwareAccelerated && i <= n - Vector256<float>.Count)
        {
            sum += Vector256.Sum(Vector256.Load(x + i) * Vector256.Load(y + i));
            i += Vector256<float>.Count;
        }
        if (Vector128.IsHardwareAccelerated && i <= n - Vector128<float>.Count)
        {
            sum += Vector128.Sum(Vector128.Load(x + i) * Vector128.Load(y + i));
            i += Vector128<float>.Count;
        }
        for (; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>y += a * x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float a, float* x, float* y, int n) => Apply<MultiplyAdd>(a, x, y, null, n);

    /// <summary>x *= a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(float a, float* x, int n) => Apply<Multiply>(a, null, x, null, n);

    /// <summary>
    /// The shared step of every output-layer update: <c>grad += g * output; output += g * input</c>,
    /// in one pass over the output row (it is read once, written once).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateOutput(float g, float* input, float* output, float* grad, int n) => Apply<OutputUpdate>(g, input, output, grad, n);

    public static void Clear(float* x, int n) => new Span<float>(x, n).Clear();

    /// <summary>
    /// Runs <typeparamref name="TOperator"/> over n elements: <paramref name="y"/> is read and written,
    /// <paramref name="x"/> only read, <paramref name="z"/> read and written where the operator has a
    /// second result; pointers an operator does not use may be null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply<TOperator>(float a, float* x, float* y, float* z, int n) where TOperator : struct, IRowOperator
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count) TOperator.Invoke(va, x + i, y + i, z + i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count) TOperator.Invoke(va, x + i, y + i, z + i);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var va = Vector128.Create(a);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count) TOperator.Invoke(va, x + i, y + i, z + i);
        }
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count) TOperator.Invoke(Vector256.Create(a), x + i, y + i, z + i);
        if (Vector128.IsHardwareAccelerated && i <= n - Vector128<float>.Count)
        {
            TOperator.Invoke(Vector128.Create(a), x + i, y + i, z + i);
            i += Vector128<float>.Count;
        }
        for (; i < n; i++) TOperator.Invoke(a, x + i, y + i, z + i);
    }

    /// <summary>y = a * x + y.</summary>
    private readonly struct MultiplyAdd : IRowOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(Vector512<float> a, float* x, float* y, float* z) => Vector512.FusedMultiplyAdd(a, Vector512.Load(x), Vector512.Load(y)).Store(y);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(Vector256<float> a, float* x, float* y, float* z) => Vector256.FusedMultiplyAdd(a, Vector256.Load(x), Vector256.Load(y)).Store(y);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(Vector128<float> a, float* x, float* y, float* z) => Vector128.FusedMultiplyAdd(a, Vector128.Load(x), Vector128.Load(y)).Store(y);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(float a, float* x, float* y, float* z) => *y += a * *x;
    }

    /// <summary>y = a * y.</summary>
    private readonly struct Multiply : IRowOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(Vector512<float> a, float* x, float* y, float* z) => (a * Vector512.Load(y)).Store(y);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(Vector256<float> a, float* x, float* y, float* z) => (a * Vector256.Load(y)).Store(y);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(Vector128<float> a, float* x, float* y, float* z) => (a * Vector128.Load(y)).Store(y);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(float a, float* x, float* y, float* z) => *y *= a;
    }

    /// <summary>z += a * y (the gradient, from the output row before its update); y += a * x (the output row).</summary>
    private readonly struct OutputUpdate : IRowOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(Vector512<float> a, float* x, float* y, float* z)
        {
            var o = Vector512.Load(y);
            Vector512.FusedMultiplyAdd(a, o, Vector512.Load(z)).Store(z);
            Vector512.FusedMultiplyAdd(a, Vector512.Load(x), o).Store(y);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(Vector256<float> a, float* x, float* y, float* z)
        {
            var o = Vector256.Load(y);
            Vector256.FusedMultiplyAdd(a, o, Vector256.Load(z)).Store(z);
            Vector256.FusedMultiplyAdd(a, Vector256.Load(x), o).Store(y);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(Vector128<float> a, float* x, float* y, float* z)
        {
            var o = Vector128.Load(y);
            Vector128.FusedMultiplyAdd(a, o, Vector128.Load(z)).Store(z);
            Vector128.FusedMultiplyAdd(a, Vector128.Load(x), o).Store(y);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(float a, float* x, float* y, float* z)
        {
            float o = *y;
            *z += a * o;
            *y = o + a * *x;
        }
    }
}

/// <summary>
/// One element-wise step of a row kernel at each width: <c>a</c> is the scalar broadcast, <c>x</c> a row
/// read, <c>y</c> the row written, <c>z</c> a second row written (or unused). See <see cref="VectorMath.Apply{TOperator}"/>.
/// </summary>
internal unsafe interface IRowOperator
{
    static abstract void Invoke(Vector512<float> a, float* x, float* y, float* z);
    static abstract void Invoke(Vector256<float> a, float* x, float* y, float* z);
    static abstract void Invoke(Vector128<float> a, float* x, float* y, float* z);
    static abstract void Invoke(float a, float* x, float* y, float* z);
}
