using System.Reflection;
using System.Reflection.Emit;
using HSoftmax.Torch;
using TorchSharp;

namespace HSoftmax.Tests.Torch;

/// <summary>
/// The torch engine must never pass libtorch a Scalar that nothing holds (see <see cref="Scalars"/>): CI
/// once failed with index_add_ reading a Scalar the finalizer had already freed. Such a Scalar comes from
/// an implicit conversion (t.mul_(2), alpha: -alpha), so the engine's IL must contain no call to
/// Scalar's implicit operators; a race cannot be tested reliably, its cause can.
/// </summary>
public class ScalarLifetimeTests
{
    [Fact]
    public void TheEngineConvertsNoNumberToAScalarImplicitly()
    {
        var engine = typeof(TorchEngine).Assembly;
        var found = new List<string>();
        foreach (var type in engine.GetTypes())
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (CallsImplicitScalar(method)) found.Add($"{type.FullName}.{method.Name}");
            }
        }
        Assert.True(found.Count == 0, "implicit Scalar conversions in: " + string.Join(", ", found));
    }

    [Fact]
    public void TheScanFindsAnImplicitConversion()
    {
        var method = typeof(ScalarLifetimeTests).GetMethod(nameof(Implicit), BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.True(CallsImplicitScalar(method));
        var held = typeof(ScalarLifetimeTests).GetMethod(nameof(Held), BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.False(CallsImplicitScalar(held));
    }

    private static void Implicit(torch.Tensor t, float alpha) => t.mul_(alpha);

    private static void Held(torch.Tensor t, float alpha)
    {
        using var a = alpha.ToScalar();
        t.mul_(a);
    }

    /// <summary>Whether the method's IL calls one of Scalar's op_Implicit operators.</summary>
    private static bool CallsImplicitScalar(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) return false;
        // Every call is the byte 0x28 and a 4-byte method token; a byte of some other operand that
        // happens to be 0x28 yields a token that does not resolve to Scalar, so it cannot cause a false alarm.
        for (int i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] != OpCodes.Call.Value) continue;
            int token = BitConverter.ToInt32(il, i + 1);
            MethodBase? callee;
            try { callee = method.Module.ResolveMethod(token, method.DeclaringType?.GetGenericArguments(), method.IsGenericMethod ? method.GetGenericArguments() : null); }
            catch (ArgumentException) { continue; }
            if (callee is { Name: "op_Implicit" } && callee.DeclaringType == typeof(Scalar)) return true;
        }
        return false;
    }
}
