using SharpOptim.Optim;

namespace SharpOptim.Bench;

/// <summary>Which of an optimizer's code paths a benchmark row measures.</summary>
public enum BenchPath
{
    /// <summary><c>foreach: false</c>: per-parameter tensor ops (PyTorch's for-loop).</summary>
    Reference,

    /// <summary><c>foreach: true</c>: the kernel rounding exactly as the reference.</summary>
    ForEach,

    /// <summary><c>fused: true</c>: the kernel with fused multiply-adds.</summary>
    Fused,

    /// <summary>Both flags null: what a user gets by default.</summary>
    Default,
}

/// <summary>
/// The benchmarked algorithms with the hyper-parameters PyTorch's side uses (bench/torch_bench.py
/// has the same table): dense gradients, one group.
/// </summary>
public static class BenchAlgorithms
{
    public delegate Optimizer Factory(IEnumerable<object> parameters, bool? forEach, bool? fused);

    private static readonly Dictionary<string, Factory> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sgd"] = (ps, fe, fu) => new SGD(ps, lr: 1e-3, momentum: 0.9, @foreach: fe, fused: fu),
        ["adam"] = (ps, fe, fu) => new Adam(ps, lr: 1e-3, @foreach: fe, fused: fu),
        ["adamw"] = (ps, fe, fu) => new AdamW(ps, lr: 1e-3, @foreach: fe, fused: fu),
        ["adagrad"] = (ps, fe, fu) => new Adagrad(ps, lr: 1e-2, @foreach: fe, fused: fu),
        // No `fused` flag in PyTorch for these: `foreach: null` selects our fused kernel, `foreach: true` the exact one.
        ["adadelta"] = (ps, fe, fu) => new Adadelta(ps, lr: 1.0, @foreach: fe),
        ["adamax"] = (ps, fe, fu) => new Adamax(ps, lr: 2e-3, @foreach: fe),
        ["asgd"] = (ps, fe, fu) => new ASGD(ps, lr: 1e-2, @foreach: fe),
        ["nadam"] = (ps, fe, fu) => new NAdam(ps, lr: 2e-3, @foreach: fe),
        ["radam"] = (ps, fe, fu) => new RAdam(ps, lr: 1e-3, @foreach: fe),
        ["rmsprop"] = (ps, fe, fu) => new RMSprop(ps, lr: 1e-2, @foreach: fe),
        ["rprop"] = (ps, fe, fu) => new Rprop(ps, lr: 1e-2, @foreach: fe),
        ["adafactor"] = (ps, fe, fu) => new Adafactor(ps, lr: 1e-2, @foreach: fe, fused: fu),
    };

    public static IReadOnlyCollection<string> Names => Table.Keys;

    /// <summary>A comma-separated list of names ("all" or null: every one); unknown names throw, listing the known ones.</summary>
    public static string[] Parse(string? list)
    {
        var names = list is "all" or null
            ? Names.ToArray()
            : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(n => !Table.ContainsKey(n)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"Unknown algorithm(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", Names)}.");
        return names;
    }

    public static Optimizer Create(string name, IEnumerable<Tensor> parameters, BenchPath path)
    {
        var (forEach, fused) = path switch
        {
            BenchPath.Reference => ((bool?)false, (bool?)null),
            BenchPath.ForEach => (true, null),
            BenchPath.Fused => (null, true),
            _ => (null, null),
        };
        return Table[name](parameters.Cast<object>(), forEach, fused);
    }
}
