using System.Reflection;
using System.Runtime.CompilerServices;
using HSoftmax.Torch;
using HSoftmax.Training;

namespace HSoftmax.Tests.PublicApi;

/// <summary>
/// Pins the public API: every public type and member of the libraries, compared with the list checked in
/// beside this file. A change to the API then shows in review as a change to the list. To accept one, run
/// the tests with HSOFTMAX_UPDATE_API=1 and commit the rewritten list.
/// </summary>
public class PublicApiTests
{
    public static TheoryData<string> Assemblies => new() { "HSoftmax", "HSoftmax.Torch", "HSoftmax.Gpu" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void ThePublicApiIsTheOneCheckedIn(string name)
    {
        var assembly = name switch
        {
            "HSoftmax" => typeof(TrainingPlan).Assembly,
            "HSoftmax.Torch" => typeof(TorchEngine).Assembly,
            _ => typeof(HSoftmax.Gpu.GpuEngine).Assembly,
        };
        var actual = Describe(assembly);
        string file = Path.Combine(SourceFolder(), name + ".txt");
        if (Environment.GetEnvironmentVariable("HSOFTMAX_UPDATE_API") == "1")
            File.WriteAllLines(file, actual);
        Assert.True(File.Exists(file), $"{file} is missing: run the tests with HSOFTMAX_UPDATE_API=1 to write it");
        var expected = File.ReadAllLines(file);
        var added = actual.Except(expected).ToList();
        var removed = expected.Except(actual).ToList();
        Assert.True(added.Count == 0 && removed.Count == 0,
            $"the public API of {name} changed (HSOFTMAX_UPDATE_API=1 accepts it):\n" +
            string.Join("\n", added.Select(a => "+ " + a).Concat(removed.Select(r => "- " + r))));
    }

    [Fact]
    public void TheListSeesEveryKindOfMember()
    {
        var lines = Describe(typeof(TrainingPlan).Assembly);
        Assert.Contains("class HSoftmax.Training.TrainingPlan", lines);
        Assert.Contains("  method static HSoftmax.Training.TrainingPlan Prepare(HSoftmax.Training.TrainingOptions, HSoftmax.Corpus.CorpusReader, Microsoft.Extensions.Logging.ILogger, System.Threading.CancellationToken)", lines);
        Assert.Contains("interface HSoftmax.Training.ITrainingEngine", lines);
        Assert.DoesNotContain(lines, l => l.Contains("VectorMath") || l.Contains("AliasSampler") || l.Contains("FastRandom"));
    }

    private static string SourceFolder() => Path.Combine(RepositoryFiles.Root, "tests", "HSoftmax.Tests", "PublicApi");

    internal static List<string> Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add($"{Kind(type)} {Name(type)}{(type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum) ? " : " + Name(b) : "")}");
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = new List<string>();
            foreach (var m in type.GetMembers(all))
            {
                string? line = m switch
                {
                    ConstructorInfo c when Visible(c) => $"ctor({Parameters(c)})",
                    MethodInfo mi when Visible(mi) && !mi.IsSpecialName => $"method {(mi.IsStatic ? "static " : "")}{Name(mi.ReturnType)} {mi.Name}({Parameters(mi)})",
                    PropertyInfo p when (p.GetMethod is { } g && Visible(g)) || (p.SetMethod is { } s && Visible(s)) =>
                        $"property {Name(p.PropertyType)} {p.Name} {{{(p.GetMethod is { } g2 && Visible(g2) ? " get;" : "")}{(p.SetMethod is { } s2 && Visible(s2) ? (s2.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)) ? " init;" : " set;") : "")} }}",
                    FieldInfo f when (f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly) && !f.IsSpecialName => $"field {(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{Name(f.FieldType)} {f.Name}",
                    EventInfo e when e.AddMethod is { } add && Visible(add) => $"event {Name(e.EventHandlerType!)} {e.Name}",
                    _ => null,
                };
                if (line is not null) members.Add("  " + line);
            }
            lines.AddRange(members.OrderBy(m => m, StringComparer.Ordinal));
        }
        return lines;
    }

    private static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    private static string Kind(Type t) =>
        t.IsInterface ? "interface" : t.IsEnum ? "enum" : t.IsValueType ? "struct" : t.IsAbstract && t.IsSealed ? "static class" : "class";

    private static string Parameters(MethodBase m) => string.Join(", ", m.GetParameters().Select(p => Name(p.ParameterType)));

    private static string Name(Type t)
    {
        if (t.IsByRef) return "ref " + Name(t.GetElementType()!);
        if (t.IsArray) return Name(t.GetElementType()!) + "[]";
        if (t.IsPointer) return Name(t.GetElementType()!) + "*";
        if (t.IsGenericParameter) return t.Name;
        if (!t.IsGenericType) return (t.FullName ?? t.Name).Replace('+', '.');
        string generic = t.GetGenericTypeDefinition().FullName!;
        generic = generic[..generic.IndexOf('`')].Replace('+', '.');
        return $"{generic}<{string.Join(", ", t.GetGenericArguments().Select(Name))}>";
    }
}
