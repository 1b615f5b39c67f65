using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Api;

/// <summary>
/// Compiles C# snippets against the built SharpOptim assembly with the C# compiler itself, so a
/// test can prove that a wrong use of the API does not compile (and that the right one does).
/// All snippets of one call go into one compilation, each in a method of its own; each snippet's
/// errors are those located inside its method.
/// </summary>
internal static class CompileCheck
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Collections.Immutable;\nusing System.Collections.Frozen;\nusing System.Linq;\nusing SharpOptim;\nusing SharpOptim.NN;\nusing SharpOptim.Optim;\nusing SharpOptim.Optim.LrScheduler;\nusing SharpOptim.Serialization;\n";

    /// <summary>The variables every snippet may use.</summary>
    private const string Locals = "Parameter w, Parameter b, Tensor t, Sequential model, SGD opt, LRScheduler scheduler";

    // The framework's reference set (the running one's implementation assemblies) plus SharpOptim.
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return
        [
            .. Directory.GetFiles(framework, "*.dll").Where(IsManaged).Select(p => MetadataReference.CreateFromFile(p)),
            MetadataReference.CreateFromFile(typeof(Optimizer).Assembly.Location),
        ];
    });

    /// <summary>The compiler's errors for each snippet (an expression statement or a block's statements), in order.</summary>
    public static IReadOnlyList<IReadOnlyList<Diagnostic>> Errors(IReadOnlyList<string> snippets)
    {
        var source = new System.Text.StringBuilder(Usings).Append("internal static class Snippets\n{\n");
        var spans = new List<(int Start, int End)>();
        for (int i = 0; i < snippets.Count; i++)
        {
            int start = source.Length;
            source.Append("    internal static void S").Append(i).Append('(').Append(Locals).Append(")\n    {\n        ")
                  .Append(snippets[i]).Append("\n    }\n");
            spans.Add((start, source.Length));
        }
        source.Append("}\n");
        var compilation = CSharpCompilation.Create(
            "Snippets",
            [CSharpSyntaxTree.ParseText(source.ToString(), new CSharpParseOptions(LanguageVersion.Latest))],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var outside = errors.Where(d => !spans.Any(s => Inside(d, s))).ToList();
        Assert.True(outside.Count == 0, "errors outside the snippets: " + string.Join("; ", outside));
        return spans.Select(s => (IReadOnlyList<Diagnostic>)errors.Where(d => Inside(d, s)).ToList()).ToList();
    }

    private static bool Inside(Diagnostic d, (int Start, int End) span)
        => d.Location.SourceSpan.Start >= span.Start && d.Location.SourceSpan.End <= span.End;

    private static bool IsManaged(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
