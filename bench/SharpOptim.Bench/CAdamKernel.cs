using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SharpOptim.Bench;

/// <summary>
/// bench/c/adam_step.c, compiled at bench time into a temporary folder: a one-pass Adam step in C
/// with OpenMP, the speed reference the issue measures our Adam against. gcc is optional: without
/// it <see cref="TryBuild"/> says why and the bench goes on without the C figures.
/// </summary>
public sealed class CAdamKernel : IDisposable
{
    public const string Source = "bench/c/adam_step.c";

    /// <summary>No -ffast-math (it would change the math); -fno-math-errno lets gcc vectorize sqrtf (adam_step.c says why).</summary>
    public static readonly string[] Flags = ["-O3", "-march=native", "-fno-math-errno", "-fopenmp"];

    private readonly DirectoryInfo _folder;
    private readonly string _executable;

    private CAdamKernel(DirectoryInfo folder, string executable, string compiler)
    {
        _folder = folder;
        _executable = executable;
        Compiler = compiler;
    }

    /// <summary>The compiler's first <c>--version</c> line, e.g. "gcc (Debian 12.2.0-14) 12.2.0".</summary>
    public string Compiler { get; }

    public static string CompileCommand => $"gcc {string.Join(' ', Flags)} {Source} -o adam_step -lm";

    /// <summary>Compiles the kernel; null with <paramref name="reason"/> when gcc is absent or the build fails.</summary>
    public static CAdamKernel? TryBuild(out string reason)
    {
        if (!File.Exists(Source))
        {
            reason = $"the C reference was skipped because {Source} was not found (run the bench from the repository root)";
            return null;
        }
        string version;
        try
        {
            version = ChildProcess.RunChecked("gcc", ["--version"]).Stdout.Split('\n')[0].Trim();
        }
        catch (Win32Exception)
        {
            reason = "the C reference was skipped because gcc was not found";
            return null;
        }
        var folder = Directory.CreateTempSubdirectory("sharpoptim-bench-c-");
        string executable = Path.Combine(folder.FullName, "adam_step");
        try
        {
            _ = ChildProcess.RunChecked("gcc", [.. Flags, Path.GetFullPath(Source), "-o", executable, "-lm"]).Stdout;
        }
        catch (InvalidOperationException e)
        {
            folder.Delete(recursive: true);
            reason = $"the C reference was skipped because gcc could not build it: {e.Message}";
            return null;
        }
        reason = "";
        return new CAdamKernel(folder, executable, version);
    }

    /// <summary>
    /// Milliseconds of each timed step, per size, in one process (sizes one after another, each
    /// freed before the next): at least <c>warmup.Steps</c> untimed steps lasting at least <c>warmup.Seconds</c> first.
    /// </summary>
    public Dictionary<long, double[]> Time(IEnumerable<(long Elements, int Repeats)> sizes, int threads, Warmup warmup)
    {
        var arguments = new List<string>
        {
            "time", threads.ToString(CultureInfo.InvariantCulture), warmup.Steps.ToString(CultureInfo.InvariantCulture),
            (warmup.Seconds * 1e3).ToString("0", CultureInfo.InvariantCulture),
        };
        arguments.AddRange(sizes.Select(s => FormattableString.Invariant($"{s.Elements}:{s.Repeats}")));
        var result = new Dictionary<long, double[]>();
        foreach (var line in ChildProcess.RunChecked(_executable, arguments).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            result[long.Parse(fields[0], CultureInfo.InvariantCulture)] =
                fields.Skip(1).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        }
        return result;
    }

    /// <summary>The params after <paramref name="steps"/> of the C kernel's steps from these params and grads (zero moments).</summary>
    public float[] Check(float[] parameters, float[] grads, int steps)
    {
        if (parameters.Length != grads.Length) throw new ArgumentException("params and grads differ in length", nameof(grads));
        string input = Path.Combine(_folder.FullName, "check-in.bin"), output = Path.Combine(_folder.FullName, "check-out.bin");
        using (var file = File.Create(input))
        {
            file.Write(BitConverter.GetBytes(parameters.Length));
            file.Write(MemoryMarshal.AsBytes(parameters.AsSpan()));
            file.Write(MemoryMarshal.AsBytes(grads.AsSpan()));
        }
        _ = ChildProcess.RunChecked(_executable, ["check", input, output, steps.ToString(CultureInfo.InvariantCulture)]).Stdout;
        return MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(output)).ToArray();
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
