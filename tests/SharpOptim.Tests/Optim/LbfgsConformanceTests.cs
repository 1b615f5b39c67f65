using SharpOptim;
using SharpOptim.Optim;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// LBFGS against PyTorch 2.14 over PyTorch's own option grid (optim_inputs_func_lbfgs), on the
/// tanh regression and on Rosenbrock's function, float32 and float64, 20 closure steps each
/// (fixtures by tools/golden/lbfgs.py).
/// </summary>
public class LbfgsConformanceTests
{
    public static IEnumerable<object[]> Cases() => LbfgsFixture.CaseIds();

    /// <summary>
    /// The closure plays back PyTorch's own evaluations (loss and gradients, call by call), so the
    /// optimizer alone is under test: every step must make PyTorch's number of evaluations, each at
    /// PyTorch's point, and leave PyTorch's params, returned loss and whole state (keys in order,
    /// kinds, values) within <see cref="LbfgsFixture.StepTolerance"/>.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ReplayingPyTorchsEvaluationsMatchesPyTorch(string caseId)
    {
        var testCase = LbfgsFixture.Case(caseId);
        var problem = LbfgsFixture.Problem(testCase);
        var optimizer = LbfgsFixture.Create(problem.Params, testCase);
        LbfgsFixture.ReplaySteps(optimizer, problem.Params, testCase, 0, testCase["steps"]!.AsArray().Count, caseId);
    }
}
