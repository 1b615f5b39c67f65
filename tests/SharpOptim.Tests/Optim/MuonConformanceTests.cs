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
public class MuonConformanceTests : OptimizerConformance<MuonConformanceTests>, IOptimizerFixtures
{
    public static string Trajectories => "muon_trajectories.sofx";
    public static string StateDicts => "muon_state_dict.sofx";

    /// <summary>Builds our Muon from a recorded case's kwargs, on the chosen path.</summary>
    public static OptimizerFactory Factory(string path) => (parameters, kwargs, tensorKwargs) => Build(parameters, kwargs, tensorKwargs, path);

    internal static Muon Build(IEnumerable<Tensor> parameters, JsonObject kwargs, ISet<string> tensorKwargs, string path)
    {
        double Get(string key, double fallback) => kwargs[key] is { } v ? Fixture.Number(v) : fallback;
        FloatOrTensor lr = tensorKwargs.Contains("lr") ? Torch.Tensor(Get("lr", 1e-3), DType.Float32) : Get("lr", 1e-3);
        (double, double, double)? coefficients = kwargs["ns_coefficients"] is JsonArray c
            ? (Fixture.Number(c[0]), Fixture.Number(c[1]), Fixture.Number(c[2])) : null;
        return new Muon(parameters, lr: lr, weightDecay: Get("weight_decay", 0.1), momentum: Get("momentum", 0.95),
            nesterov: kwargs["nesterov"]?.GetValue<bool>() ?? true, nsCoefficients: coefficients, eps: Get("eps", 1e-7),
            nsSteps: (int)Get("ns_steps", 5), adjustLrFn: kwargs["adjust_lr_fn"]?.GetValue<string>(),
            @foreach: path switch { "reference" => false, "foreach" => true, _ => null },
            fused: path == "fused" ? true : null);
    }
}
