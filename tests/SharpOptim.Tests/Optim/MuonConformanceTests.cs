using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// Muon against PyTorch 2.14 over PyTorch's own option grid (optim_inputs_func_muon) plus extra
/// configs covering every option, float32 and float64, 100 steps (fixtures by tools/golden/muon.py).
/// Muon takes 2-D params only, so its problem is W (3,4) and V (4,3) (see muon.py); PyTorch has
/// only Muon's for-loop, replayed here by all four of our paths.
/// </summary>
public class MuonConformanceTests : OptimizerConformance<MuonConformanceTests>, IConformanceAlgorithm
{
    public static string Name => "Muon";
    public static string FixturePrefix => "muon";

    public static Optimizer Build(Tensor[] parameters, RecordedKwargs k, OptimizerPath path)
    {
        (double, double, double)? coefficients = k["ns_coefficients"] is JsonArray c
            ? (Fixture.Number(c[0]), Fixture.Number(c[1]), Fixture.Number(c[2])) : null;
        return new Muon(parameters, lr: k.Lr(1e-3), weightDecay: k.Number("weight_decay", 0.1), momentum: k.Number("momentum", 0.95),
            nesterov: k.Bool("nesterov", true), nsCoefficients: coefficients, eps: k.Number("eps", 1e-7),
            nsSteps: (int)k.Number("ns_steps", 5), adjustLrFn: k.Text("adjust_lr_fn"), @foreach: path.Foreach, fused: path.Fused);
    }
}
