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
    };

    public static IReadOnlyCollection<string> Names => Table.Keys;

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
